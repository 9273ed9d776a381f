#!/bin/bash
# Networking of image containers (`congo run --name NAME IMAGE`) through CNI
# plugins, and `congo network`.  Every test runs its body (test_X calls
# in_ns, which runs X_in) in a private network and mount namespace with
# /run, /var/lib (so /run/netns, /var/lib/cni), the state root and the CNI
# configuration directory on tmpfs: bridges, veths, iptables rules and
# leases exist only there.  Afterwards the host must show none of them.
. "$(dirname "$0")/../lib.sh"
if [ "${1:-}" != __inner ]; then
    . "$(dirname "$0")/../image/lib-image.sh"
    make_layout test test "$IMG_WORK/test"
fi

IMAGE=local/box:1
NETD=/run/congo-net.d
LEASES=/var/lib/cni/networks

# ---- outside: set up, enter the namespaces, check the host afterwards ----

# What of ours could leak to the host: our bridges, our subnets in the nat table.
# (Only ours: other users of this machine may add links and rules meanwhile.)
host_links() { ip -o link show | awk -F': ' '{print $2}' | sed 's/@.*//' | grep -E '^(congo|slow0)' | sort || true; }
host_state() { ls -R /var/lib/cni /run/congo-cni 2>/dev/null; ls /run/netns 2>/dev/null | grep congo; ls /etc/cni/net.d 2>/dev/null; }
host_nat() { iptables -t nat -S 2>/dev/null | grep -E '10\.(77|78|9[6-9])\.|congo|"(slow|appnet|net[0-9])"' || true; }

in_ns() {
    local before_links before_nat before_state rc=0
    need_setup
    command -v unshare >/dev/null || skip "unshare is not installed"
    [ -x /usr/lib/cni/bridge ] || [ -x /opt/cni/bin/bridge ] ||
        skip "no CNI plugins (apt-get install containernetworking-plugins, see contrib/debian-test-packages.txt)"
    export CONGO_IMAGE_STORE=$T/store
    img load --name "$IMAGE" "$IMG_WORK/test"
    assert_ok
    before_links=$(host_links)
    before_nat=$(host_nat)
    before_state=$(host_state)
    T=$T ROOT=$ROOT TEST_NAME=$TEST_NAME unshare -n -m --propagation private bash "$0" __inner "$1" || rc=$?
    # Nothing of the test's networking reached the host.
    assert_eq "$(host_links)" "$before_links" "links on the host after the test"
    assert_eq "$(host_nat)" "$before_nat" "the host's nat rules of congo's networks after the test"
    assert_eq "$(host_state)" "$before_state" "leases, netns and configuration on the host after the test"
    assert_no_mounts
    return "$rc"
}

# ---- inside ----

inner_cleanup() {
    local id
    for id in $(ls -A "$ROOT" 2>/dev/null); do
        "$CONGO" --root "$ROOT" delete --force "$id" >/dev/null 2>&1 || true
    done
}

inner() {
    mount -t tmpfs tmpfs /run
    mount -t tmpfs tmpfs /var/lib
    mkdir -p /run/netns /var/lib/cni "$NETD"
    mount -t tmpfs tmpfs "$ROOT"
    ip link set lo up
    export CONGO_IMAGE_STORE=$T/store CONGO_CNI_CONFIG_DIR=$NETD
    trap inner_cleanup EXIT
    set -e
    "$1_in"
}

# The leases host-local holds on a network (its lock and cursor files aside).
leases() { ls "$LEASES/$1" 2>/dev/null | grep -v -e '^lock$' -e '^last_reserved_ip' || true; }
# The nat and filter rules (rule order kept).
rules() { iptables -t nat -S; iptables -S; }

# A detached container's address on eth0.
addr_of() {
    "$CONGO" --root "$ROOT" exec "$1" busybox ip -4 -o addr show eth0 | awk '{print $4}' | cut -d/ -f1
}

# ---- the tests ----

bridge_default_in() {
    run_congo run --rm --name web "$IMAGE" sh -c \
        'busybox ip -4 -o addr show eth0; busybox ip route; busybox ip -o link show lo; cat /etc/hostname /etc/hosts; cat /proc/sys/net/ipv4/ping_group_range'
    assert_ok
    [[ "$OUT" =~ inet\ 10\.77\.[0-9]+\.[0-9]+/16 ]] || fail "no address on the congo bridge: $OUT"
    assert_contains "$OUT" "default via 10.77.0.1 dev eth0"
    assert_contains "$OUT" "LOOPBACK,UP"
    assert_contains "$(echo "$OUT" | grep -v inet | head -5)" "web"
    [[ "$OUT" =~ 10\.77\.[0-9]+\.[0-9]+$'\t'web ]] || fail "/etc/hosts does not name the container: $OUT"
    assert_contains "$OUT" "$(printf '0\t2147483647')"
    # The default network was written on first use; the bridge is in the test's namespace.
    assert_contains "$(cat "$NETD/congo.conflist")" '"subnet": "10.77.0.0/16"'
    ip link show congo0 >/dev/null || fail "no bridge congo0"
    # --rm: the address is released and the container's rules are gone.
    assert_eq "$(leases congo)" ""
    assert_not_contains "$(rules)" "web"
    assert_eq "$(ls /run/netns)" ""
    assert_eq "$(ls /run/congo-cni/hosts/congo)" "" "the hosts registry after --rm"
    # Detached with --rm: the monitor's delete runs the poststop hook.
    run_congo run -d --rm --name web2 "$IMAGE" sh -c 'busybox ip -4 -o addr show eth0 > /dev/null'
    assert_ok
    wait_for test ! -e "$ROOT/web2" || fail "--rm left the container"
    assert_eq "$(leases congo)" ""
    assert_no_state
}

test_bridge_default() { in_ns bridge_default; }

run_image_keeps_image_files_in() {
    # /etc/hosts etc. are files of the bundle: the image's layers are untouched.
    run_congo run --name k1 --hostname box-h --add-host db.local:10.1.2.3 --dns 192.0.2.53 --dns-search ex.test \
        "$IMAGE" sh -c 'cat /etc/hostname /etc/hosts /etc/resolv.conf; hostname'
    assert_ok
    assert_contains "$OUT" "box-h"
    assert_contains "$OUT" "$(printf '10.1.2.3\tdb.local')"
    assert_contains "$OUT" "nameserver 192.0.2.53"
    assert_contains "$OUT" "search ex.test"
    [ "$(echo "$OUT" | tail -1)" = box-h ] || fail "hostname: $OUT"
    run_congo delete k1
    assert_ok
    assert_eq "$(leases congo)" ""
    # The image has no /etc/hosts, resolv.conf or hostname: none appeared in its layers.
    [ -z "$(find "$T/store/layers" -path '*/etc/*' \( -name hosts -o -name resolv.conf -o -name hostname \))" ] ||
        fail "network files written into the image's layers: $(find "$T/store/layers" -path '*/etc/*')"
}

test_run_image_network_files() { in_ns run_image_keeps_image_files; }

resolv_in() {
    # The host's resolv.conf (in this mount namespace only) without its loopback resolvers.
    printf 'nameserver 127.0.0.53\nnameserver 192.0.2.1\nnameserver ::1\nsearch corp.test\noptions edns0\n' > "$T/resolv"
    mount --bind "$T/resolv" /etc/resolv.conf
    run_congo run --rm --name r1 "$IMAGE" cat /etc/resolv.conf
    assert_ok
    assert_eq "$OUT" "$(printf 'nameserver 192.0.2.1\nsearch corp.test\noptions edns0')"
    # Only loopback resolvers: docker's public fallback.
    printf 'nameserver 127.0.0.53\n' > "$T/resolv"
    run_congo run --rm --name r2 "$IMAGE" cat /etc/resolv.conf
    assert_ok
    assert_eq "$OUT" "$(printf 'nameserver 8.8.8.8\nnameserver 8.8.4.4')"
    # The host's network: the host's resolvers as they are.
    run_congo run --rm --network host --name r3 "$IMAGE" cat /etc/resolv.conf
    assert_ok
    assert_eq "$OUT" "nameserver 127.0.0.53"
}

test_resolv_conf_from_the_host() { in_ns resolv; }

two_containers_in() {
    local ipa
    congo network create --subnet 10.99.0.0/24 appnet >/dev/null || fail "network create"
    run_congo run -d --network appnet --name srv "$IMAGE" sh -c 'while true; do echo pong | busybox nc -l -p 7000; done'
    assert_ok
    wait_status srv running || fail "srv not running"
    ipa=$(addr_of srv)
    [[ "$ipa" =~ ^10\.99\.0\. ]] || fail "srv address: $ipa"
    run_congo run --rm --network appnet --name cli "$IMAGE" sh -c \
        "for i in \$(seq 50); do r=\$(busybox nc -w 2 $ipa 7000 </dev/null) && [ -n \"\$r\" ] && break; sleep 0.1; done; echo by-ip=\$r;
         for i in \$(seq 50); do r=\$(busybox nc -w 2 srv 7000 </dev/null) && [ -n \"\$r\" ] && break; sleep 0.1; done; echo by-name=\$r;
         grep -c srv /etc/hosts"
    assert_ok
    assert_contains "$OUT" "by-ip=pong"
    assert_contains "$OUT" "by-name=pong"
    # The server's /etc/hosts learnt the client's name, and forgot it when it left.
    run_congo run -d --network appnet --name cli2 "$IMAGE" sleep 300
    assert_ok
    wait_status cli2 running || fail "cli2 not running"
    assert_contains "$(congo exec srv cat /etc/hosts)" "cli2"
    assert_contains "$(congo exec cli2 cat /etc/hosts)" "$ipa"
    congo delete --force cli2
    assert_not_contains "$(congo exec srv cat /etc/hosts)" "cli2"
    # A member whose bundle vanished without a DEL is forgotten at the next change.
    printf '10.99.0.200\tghost\n%s/gone\n' "$T" > /run/congo-cni/hosts/appnet/ghost
    run_congo run --rm --network appnet --name cli3 "$IMAGE" cat /etc/hosts
    assert_ok
    assert_not_contains "$OUT" "ghost"
    [ ! -e /run/congo-cni/hosts/appnet/ghost ] || fail "the stale member stays registered"
    run_congo delete --force srv
    assert_ok
    assert_eq "$(leases appnet)" ""
}

test_two_containers_by_ip_and_name() { in_ns two_containers; }

publish_in() {
    local port=18080 ip snap
    # A first container makes the plugins' shared chains; a second one must
    # leave the tables exactly as they were.
    run_congo run --rm -p 18081:80 --name warm "$IMAGE" true
    assert_ok
    snap=$(rules)
    run_congo run -d -p $port:7000 -p 127.0.0.1:18082:7001/udp --name pub "$IMAGE" sh -c \
        'while true; do echo hello | busybox nc -l -p 7000; done'
    assert_ok
    wait_status pub running || fail "not running"
    assert_contains "$(iptables -t nat -S)" "--dport $port"
    ip=$(ip -4 -o addr show congo0 | awk '{print $4}' | cut -d/ -f1)
    local got="" i
    for i in $(seq 100); do got=$(timeout 3 busybox nc -w 2 127.0.0.1 $port </dev/null 2>/dev/null || true); [ -n "$got" ] && break; sleep 0.1; done
    assert_eq "$got" hello "via 127.0.0.1:$port"
    got=""
    for i in $(seq 100); do got=$(timeout 3 busybox nc -w 2 "$ip" $port </dev/null 2>/dev/null || true); [ -n "$got" ] && break; sleep 0.1; done
    assert_eq "$got" hello "via the bridge address $ip:$port"
    run_congo delete --force pub
    assert_ok
    assert_eq "$(rules)" "$snap" "rules after delete --force"
    assert_eq "$(leases congo)" ""
}

test_publish_port() { in_ns publish; }

port_and_container_net_in() {
    run_congo run -d -p 18100:80 -p 127.0.0.1:18101:53/udp --name p1 "$IMAGE" sleep 300
    assert_ok
    wait_status p1 running || fail "not running"
    run_congo port p1
    assert_ok
    assert_eq "$OUT" "$(printf '80/tcp -> 0.0.0.0:18100\n53/udp -> 127.0.0.1:18101')"
    run_congo port p1 53/udp
    assert_ok
    assert_eq "$OUT" "127.0.0.1:18101"
    run_congo port p1 81
    assert_failed
    assert_contains "$ERR" "no published port 81/tcp"
    # container:NAME: the same interfaces, address and /etc/hosts.
    run_congo run --rm --network container:p1 --name p2 "$IMAGE" sh -c 'busybox ip -4 -o addr show eth0; cat /etc/hosts'
    assert_ok
    assert_contains "$OUT" "$(addr_of p1)/16"
    assert_contains "$OUT" "$(printf '%s\tp1' "$(addr_of p1)")"
    run_congo run --rm --network container:nosuch --name p3 "$IMAGE" true
    assert_failed
    assert_contains "$ERR" "--network \`container:nosuch\`"
    run_congo delete --force p1
    assert_ok
    assert_eq "$(leases congo)" ""
}

test_port_and_container_network() { in_ns port_and_container_net; }

list_ports_in() {
    run_congo run -d -p 18110:80 -p 127.0.0.1:18111:53/udp --name lp1 "$IMAGE" sleep 300
    assert_ok
    run_congo run -d --name lp2 "$IMAGE" sleep 300
    assert_ok
    wait_status lp1 running || fail "lp1 not running"
    wait_status lp2 running || fail "lp2 not running"
    # The table's last column, as docker ps shows it; nothing for no -p.
    run_congo list
    assert_ok
    assert_contains "$(echo "$OUT" | head -1)" "PORTS"
    assert_eq "$(echo "$OUT" | grep '^lp1 ' | sed 's/.*  //')" "0.0.0.0:18110->80/tcp, 127.0.0.1:18111->53/udp"
    [[ "$(echo "$OUT" | grep '^lp2 ')" =~ root\ *$ ]] || fail "lp2 shows ports: $OUT"
    # The JSON form stays runc's.
    run_congo list --format json
    assert_ok
    assert_not_contains "$OUT" "18110"
    congo delete --force lp1
    congo delete --force lp2
    assert_eq "$(leases congo)" ""
}

test_list_shows_ports() { in_ns list_ports; }

idle_plugins_in() {
    local t real
    # portmap and tuning through wrappers that log each call: with nothing to
    # do (no -p, no --mac-address) they are not run at all, at ADD or DEL.
    mkdir -p "$T/cni-bin"
    for t in portmap tuning; do
        real=/usr/lib/cni/$t
        [ -x "$real" ] || real=/opt/cni/bin/$t
        printf '#!/bin/sh\necho "$CNI_COMMAND" >> %s/%s.log\nexec %s\n' "$T" "$t" "$real" > "$T/cni-bin/$t"
        chmod +x "$T/cni-bin/$t"
    done
    run_congo run --rm --cni-plugin-dir "$T/cni-bin:/usr/lib/cni:/opt/cni/bin" --name i1 "$IMAGE" true
    assert_ok
    [ ! -e "$T/portmap.log" ] && [ ! -e "$T/tuning.log" ] || fail "idle plugins ran: $(cat "$T"/*.log)"
    assert_eq "$(leases congo)" ""
    # With -p and --mac-address each runs ADD then DEL.
    run_congo run --rm --cni-plugin-dir "$T/cni-bin:/usr/lib/cni:/opt/cni/bin" -p 18120:80 \
        --mac-address 02:42:ac:11:00:0a --name i2 "$IMAGE" busybox ip -o link show eth0
    assert_ok
    assert_contains "$OUT" "02:42:ac:11:00:0a"
    assert_eq "$(cat "$T/portmap.log" | tr '\n' ' ')" "ADD DEL "
    assert_eq "$(cat "$T/tuning.log" | tr '\n' ' ')" "ADD DEL "
    assert_not_contains "$(iptables -t nat -S)" "18120"
    assert_eq "$(leases congo)" ""
}

test_idle_plugins_skipped() { in_ns idle_plugins; }

kill_congo_in() {
    local snap pid i
    run_congo run --rm -p 18091:80 --name warm "$IMAGE" true
    assert_ok
    snap=$(rules)
    # congo itself is SIGKILLed: the container stays, delete --force releases all.
    "$CONGO" --root "$ROOT" run -p 18090:80 --name victim "$IMAGE" sleep 300 >/dev/null 2>&1 </dev/null &
    pid=$!
    wait_status victim running || fail "not running"
    for i in $(seq 100); do [ -n "$(leases congo)" ] && break; sleep 0.05; done
    assert_ne "$(leases congo)" ""
    kill -KILL "$pid"
    wait "$pid" 2>/dev/null || true
    run_congo delete --force victim
    assert_ok
    assert_eq "$(leases congo)" "" "the lease after delete --force"
    assert_eq "$(rules)" "$snap" "rules after delete --force"
    assert_eq "$(ls /run/netns)" ""
    ! ip -o link show type veth | grep -q . || fail "a veth is left: $(ip -o link show type veth)"
    assert_no_state
}

test_delete_force_after_congo_killed() { in_ns kill_congo; }

kill_congo_mid_add_in() {
    local pid i
    # A network whose last plugin stops in the middle of ADD: congo is killed
    # there, after bridge and host-local did their work.
    mkdir -p "$T/cni-bin"
    printf '#!/bin/sh\ncat > /dev/null\n[ "$CNI_COMMAND" = ADD ] || exit 0\necho $$ > %s/slow.pid\nsleep 60\necho "{\\"cniVersion\\":\\"1.0.0\\"}"\n' "$T" > "$T/cni-bin/slowpoke"
    chmod +x "$T/cni-bin/slowpoke"
    printf '{"cniVersion":"1.0.0","name":"slow","plugins":[{"type":"bridge","bridge":"slow0","isGateway":true,"ipMasq":true,"ipam":{"type":"host-local","subnet":"10.96.0.0/24"}},{"type":"slowpoke"}]}' > "$NETD/slow.conflist"
    "$CONGO" --root "$ROOT" run --network slow --cni-plugin-dir "$T/cni-bin:/usr/lib/cni" --name mid "$IMAGE" sleep 300 \
        >/dev/null 2>&1 </dev/null &
    pid=$!
    wait_for test -s "$T/slow.pid" || fail "the slow plugin did not start"
    assert_ne "$(leases slow)" ""
    kill -KILL "$pid"
    wait "$pid" 2>/dev/null || true
    run_congo delete --force mid
    assert_ok
    assert_eq "$(leases slow)" "" "the lease after delete --force"
    ! ip -o link show type veth | grep -q . || fail "a veth is left: $(ip -o link show type veth)"
    assert_not_contains "$(iptables -t nat -S)" "10.96.0"
    # The stuck plugin (and the hook waiting for it) end; nothing comes back.
    kill "$(cat "$T/slow.pid")" 2>/dev/null || true
    for i in $(seq 100); do [ -z "$(pgrep -f "network hook add $T/" || true)" ] && break; sleep 0.05; done
    assert_eq "$(leases slow)" ""
    assert_eq "$(ls /run/netns)" ""
    assert_no_state
}

test_delete_force_after_congo_killed_mid_add() { in_ns kill_congo_mid_add; }

modes_in() {
    run_congo run --rm --network none --name n1 "$IMAGE" sh -c 'busybox ip -o link show; cat /proc/sys/net/ipv4/ping_group_range'
    assert_ok
    assert_eq "$(echo "$OUT" | grep -c '^[0-9]*:')" 1 "--network none has only lo: $OUT"
    assert_contains "$OUT" "lo: <LOOPBACK,UP"
    assert_eq "$(leases congo)" ""
    ip link add dummy-h1 type bridge
    run_congo run --rm --network host --name h1 "$IMAGE" busybox ip -o link show
    assert_ok
    assert_contains "$OUT" "dummy-h1"
    ip link del dummy-h1
}

test_network_none_and_host() { in_ns modes; }

network_commands_in() {
    run_congo network create --subnet 10.98.0.0/16 --gateway 10.98.0.254 net1
    assert_ok
    assert_eq "$OUT" net1
    run_congo network create --subnet 10.98.5.0/24 net2
    assert_failed
    assert_contains "$ERR" "overlaps network \`net1\`"
    [ ! -e "$NETD/net2.conflist" ] || fail "a refused network left its file"
    run_congo network create --internal net3
    assert_ok
    run_congo network ls
    assert_ok
    assert_contains "$OUT" "net1"
    assert_contains "$OUT" "10.98.0.0/16"
    assert_contains "$OUT" "10.78.0.0/24"
    run_congo network inspect net3
    assert_ok
    assert_eq "$(echo "$OUT" | jq -r '.plugins[0].ipMasq')" false
    run_congo run -d --network net1 --ip 10.98.0.77 --mac-address 02:42:ac:11:00:09 --name u1 "$IMAGE" sleep 300
    assert_ok
    wait_status u1 running || fail "not running"
    assert_eq "$(addr_of u1)" 10.98.0.77
    assert_contains "$(congo exec u1 busybox ip -o link show eth0)" "02:42:ac:11:00:09"
    assert_contains "$(congo exec u1 busybox ip route)" "default via 10.98.0.254"
    run_congo network rm net1
    assert_failed
    assert_contains "$ERR" "in use by \`u1\`"
    congo delete --force u1
    run_congo network rm net1
    assert_ok
    [ ! -e "$NETD/net1.conflist" ] || fail "rm left the file"
    run_congo network inspect net1
    assert_failed
    assert_contains "$ERR" "network \`net1\` not found"
}

test_network_commands() { in_ns network_commands; }

bad_input_in() {
    run_congo run --rm -p 80 --name b1 "$IMAGE" true
    assert_failed
    assert_contains "$ERR" "-p/--publish \`80\`"
    run_congo run --rm -p 8080:70000 --name b1 "$IMAGE" true
    assert_failed
    assert_contains "$ERR" "container port \`70000\`"
    run_congo run --rm -p 0:80 --name b1 "$IMAGE" true
    assert_failed
    assert_contains "$ERR" "host port \`0\`"
    run_congo run --rm -p 80:80/sctp --name b1 "$IMAGE" true
    assert_failed
    assert_contains "$ERR" "protocol \`sctp\`"
    run_congo run --rm --network nosuch --name b1 "$IMAGE" true
    assert_failed
    assert_contains "$ERR" "--network \`nosuch\`"
    assert_contains "$ERR" "not found"
    echo '{"cniVersion": "1.0.0", "name": "broken", "plugins": [' > "$NETD/broken.conflist"
    run_congo run --rm --network broken --name b1 "$IMAGE" true
    assert_failed
    assert_contains "$ERR" "$NETD/broken.conflist"
    assert_contains "$ERR" "invalid JSON"
    printf '{"cniVersion":"1.0.0","name":"ghost","plugins":[{"type":"bridge","bridge":"g0","ipam":{"type":"host-local","subnet":"10.97.0.0/24"}},{"type":"no-such-plugin"}]}' > "$NETD/ghost.conflist"
    run_congo run --rm --network ghost --name b1 "$IMAGE" true
    assert_failed
    assert_contains "$ERR" "plugin \`no-such-plugin\` not found"
    run_congo run --rm --ip 10.77.0.300 --name b1 "$IMAGE" true
    assert_failed
    assert_contains "$ERR" "--ip \`10.77.0.300\`"
    run_congo run --rm --add-host nocolon --name b1 "$IMAGE" true
    assert_failed
    assert_contains "$ERR" "--add-host \`nocolon\`"
    run_congo run --rm --network none -p 80:80 --name b1 "$IMAGE" true
    assert_failed
    assert_contains "$ERR" "needs a CNI network"
    # A plugin that fails at ADD (an address outside the subnet): create
    # fails with the plugin's message and nothing is left.
    run_congo run --rm --ip 192.0.2.9 --name b1 "$IMAGE" true
    assert_failed
    assert_contains "$ERR" "192.0.2.9"
    # The failed ADD left the bridge without ports (its MAC all zeros): the
    # next container still gets its address (containernetworking/plugins#620).
    run_congo run --rm --name b3 "$IMAGE" busybox ip -4 -o addr show eth0
    assert_ok
    assert_contains "$OUT" "10.77."
    # A program that does not exist: the start fails after the ADD.
    run_congo run --name b2 "$IMAGE" /no/such/program
    assert_failed
    assert_contains "$ERR" "/no/such/program"
    assert_no_state
    assert_eq "$(ls "$T/store/bundles" 2>/dev/null)" ""
    assert_eq "$(leases congo)" ""
    assert_eq "$(ls /run/netns)" ""
    assert_eq "$(ls /run/congo-cni/hosts/congo)" ""
}

test_bad_input() { in_ns bad_input; }

if [ "${1:-}" = __inner ]; then
    inner "$2"
else
    run_tests "$@"
fi
