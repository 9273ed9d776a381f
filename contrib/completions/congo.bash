# bash completion for congo: source it, or install into
# /usr/share/bash-completion/completions/congo
_congo_ids() {
    local root=/run/congo i
    for ((i = 1; i < COMP_CWORD; i++)); do
        case "${COMP_WORDS[i]}" in
            --root) root=${COMP_WORDS[i+1]} ;;
            --root=*) root=${COMP_WORDS[i]#--root=} ;;
        esac
    done
    ls -1 "$root" 2>/dev/null
}

_congo() {
    local cur=${COMP_WORDS[COMP_CWORD]} cmd="" i
    local commands="create start state kill delete run list spec features stop pause resume exec ps update events stats logs network port pull extract images rmi rm"
    for ((i = 1; i < COMP_CWORD; i++)); do
        case "${COMP_WORDS[i]}" in
            --root|--log|--log-format|--rootless|--criu) ((i++)) ;;
            -*) ;;
            *) cmd=${COMP_WORDS[i]}; break ;;
        esac
    done
    if [ -z "$cmd" ]; then
        if [[ "$cur" == -* ]]; then
            COMPREPLY=($(compgen -W "--root --log --log-format --debug --systemd-cgroup --version --help" -- "$cur"))
        else
            COMPREPLY=($(compgen -W "$commands" -- "$cur"))
        fi
        return
    fi
    case "$cmd" in
        create) COMPREPLY=($(compgen -W "--bundle --console-socket --pid-file --no-pivot --no-new-keyring --preserve-fds --help" -- "$cur")) ;;
        run) COMPREPLY=($(compgen -W "--bundle --detach --console-socket --pid-file --keep --no-pivot --no-new-keyring --preserve-fds --name --rm --network --publish --ip --mac-address --hostname --dns --dns-search --add-host --cni-config-dir --cni-plugin-dir --interactive --tty --env --env-file --user --workdir --entrypoint --volume --mount --tmpfs --read-only --memory --memory-swap --cpus --pids-limit --cap-add --cap-drop --privileged --security-opt --device --sysctl --ulimit --init --label --pull --help" -- "$cur")) ;;
        kill)
            if [[ "$cur" == -* ]]; then COMPREPLY=($(compgen -W "--all" -- "$cur"))
            else COMPREPLY=($(compgen -W "$(_congo_ids) TERM KILL INT HUP USR1 USR2 QUIT STOP CONT" -- "$cur")); fi ;;
        delete|rm) COMPREPLY=($(compgen -W "--force $(_congo_ids)" -- "$cur")) ;;
        pull|extract|images|rmi) COMPREPLY=($(compgen -W "--help" -- "$cur")) ;;
        list) COMPREPLY=($(compgen -W "--quiet --format" -- "$cur")) ;;
        network) COMPREPLY=($(compgen -W "create ls inspect rm --subnet --gateway --internal --cni-config-dir" -- "$cur")) ;;
        spec) COMPREPLY=($(compgen -W "--bundle --rootless" -- "$cur")) ;;
        exec)
            if [[ "$cur" == -* ]]; then
                COMPREPLY=($(compgen -W "--process --tty --console-socket --detach --pid-file --cwd --env --user --additional-gids --cap --no-new-privs --process-label --apparmor --preserve-fds --cgroup --ignore-paused --help" -- "$cur"))
            else COMPREPLY=($(compgen -W "$(_congo_ids)" -- "$cur")); fi ;;
        *) COMPREPLY=($(compgen -W "$(_congo_ids)" -- "$cur")) ;;
    esac
}
complete -F _congo congo
