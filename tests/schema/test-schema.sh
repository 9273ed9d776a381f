#!/bin/bash
# congo's JSON schemas (oci-schema/) against what congo writes and against
# known-bad documents, through tests/schema/validate.py.  The bad documents
# make sure each schema can fail, and name the JSON path it fails at.
. "$(dirname "$0")/../lib.sh"

SCHEMAS=$TOP_SRCDIR/oci-schema
VALIDATE=$TESTS_DIR/schema/validate.py
PY=/usr/bin/python3

# validate SCHEMA FILE: sets $OUT, $ERR, $RC
validate() { run_cmd "$PY" "$VALIDATE" "$SCHEMAS/$1" "$2"; }

# edit BASE-FILE JQ-FILTER OUT: jq, then "@RAW:text@" strings become the raw
# text (jq 1.6 turns integers above 2^53 into doubles).
edit() {
    jq "$2" "$1" > "$3.tmp" || fail "jq filter failed: $2"
    sed -E 's/"@RAW:([^@]*)@"/\1/g' "$3.tmp" > "$3" && rm -f "$3.tmp"
}

# must_reject SCHEMA BASE-FILE JQ-FILTER EXPECTED-SUBSTRING
must_reject() {
    edit "$2" "$3" "$T/bad.json"
    validate "$1" "$T/bad.json"
    [ "$RC" = 1 ] || fail "$1 accepted a bad document ($3): rc $RC; $OUT $ERR"
    assert_contains "$OUT" "$4" "$3"
}

# must_accept SCHEMA BASE-FILE JQ-FILTER
must_accept() {
    edit "$2" "$3" "$T/good.json"
    validate "$1" "$T/good.json"
    [ "$RC" = 0 ] || fail "$1 refused a good document ($3): $OUT $ERR"
}

requires_python_jsonschema() {
    "$PY" -c 'import jsonschema' 2>/dev/null || skip "python3-jsonschema is not installed for $PY"
}

test_spec_output_is_valid() {
    requires_python_jsonschema
    mkdir "$T/b"
    "$CONGO" spec --bundle "$T/b"
    validate config.schema.json "$T/b/config.json"
    assert_ok
    assert_eq "$OUT" ""
}

test_spec_rootless_output_is_valid() {
    requires_python_jsonschema
    mkdir "$T/b"
    "$CONGO" spec --rootless --bundle "$T/b"
    assert_eq "$(jq -r '.linux.namespaces[].type' "$T/b/config.json" | grep -c '^user$')" 1
    validate config.schema.json "$T/b/config.json"
    assert_ok
}

test_default_bundle_is_valid() {
    requires_python_jsonschema
    [ -f "$TOP_BUILDDIR/default-bundle/config.json" ] || fail "no default-bundle/config.json: run make first"
    validate config.schema.json "$TOP_BUILDDIR/default-bundle/config.json"
    assert_ok
}

test_config_schema_rejects_bad_documents() {
    requires_python_jsonschema
    mkdir "$T/b"
    "$CONGO" spec --bundle "$T/b"
    local c=$T/b/config.json
    must_reject config.schema.json "$c" 'del(.ociVersion)' "'ociVersion' is a required property"
    must_reject config.schema.json "$c" '.ociVersion = "2.0.0"' "ociVersion: '2.0.0' does not match"
    must_reject config.schema.json "$c" 'del(.root)' "'root' is a required property"
    must_reject config.schema.json "$c" 'del(.process)' "'process' is a required property"
    must_reject config.schema.json "$c" '.root = {"readonly": true}' "root: 'path' is a required property"
    must_reject config.schema.json "$c" '.process.user.uid = "root"' "process.user.uid: 'root' is not of type 'integer'"
    must_reject config.schema.json "$c" '.process.user.uid = 4294967295' "process.user.uid: 4294967295 is greater than the maximum"
    must_reject config.schema.json "$c" '.process.user.gid = -1' "process.user.gid: -1 is less than the minimum of 0"
    must_reject config.schema.json "$c" '.process.args = []' "process.args: [] is too short"
    must_reject config.schema.json "$c" '.process.cwd = "tmp"' "process.cwd: 'tmp' does not match"
    must_reject config.schema.json "$c" '.process.env += ["NOEQUALS"]' "process.env[2]: 'NOEQUALS' does not match"
    must_reject config.schema.json "$c" '.process.terminal = "yes"' "process.terminal: 'yes' is not of type 'boolean'"
    must_reject config.schema.json "$c" '.process.rlimits[0].type = "RLIMIT_FOO"' "process.rlimits[0].type: 'RLIMIT_FOO' is not one of"
    must_reject config.schema.json "$c" '.process.rlimits[0].soft = "@RAW:18446744073709551616@"' "process.rlimits[0].soft: 18446744073709551616 is greater than the maximum"
    must_reject config.schema.json "$c" 'del(.process.rlimits[0].hard)' "process.rlimits[0]: 'hard' is a required property"
    must_reject config.schema.json "$c" '.process.capabilities.bounding += ["cap_kill"]' "process.capabilities.bounding[3]: 'cap_kill' does not match"
    must_reject config.schema.json "$c" '.process.oomScoreAdj = 1001' "process.oomScoreAdj: 1001 is greater than the maximum of 1000"
    must_reject config.schema.json "$c" '.process.scheduler = {"nice": 1}' "process.scheduler: 'policy' is a required property"
    must_reject config.schema.json "$c" '.mounts[0] = {"type": "proc"}' "mounts[0]: 'destination' is a required property"
    must_reject config.schema.json "$c" '.hooks = {"prestart": [{"path": "relative"}]}' "hooks.prestart[0].path: 'relative' does not match"
    must_reject config.schema.json "$c" '.hooks = {"poststop": [{"path": "/bin/true", "timeout": 0}]}' "hooks.poststop[0].timeout: 0 is less than the minimum of 1"
    must_reject config.schema.json "$c" '.annotations = {"a": 1}' "annotations.a: 1 is not of type 'string'"
    must_reject config.schema.json "$c" '.linux.namespaces[2].type = "foo"' "linux.namespaces[2].type: 'foo' is not one of"
    must_reject config.schema.json "$c" '.linux.namespaces[0].path = "proc/1/ns/pid"' "linux.namespaces[0].path: 'proc/1/ns/pid' does not match"
    must_reject config.schema.json "$c" '.linux.uidMappings = [{"containerID": 0, "hostID": 0, "size": 0}]' "linux.uidMappings[0].size: 0 is less than the minimum of 1"
    must_reject config.schema.json "$c" '.linux.devices = [{"path": "/dev/fuse", "type": "c"}]' "linux.devices[0]: 'major' is a required property"
    must_reject config.schema.json "$c" '.linux.devices = [{"path": "/dev/x", "type": "s", "major": 1, "minor": 1}]' "linux.devices[0].type: 's' is not one of"
    must_reject config.schema.json "$c" '.linux.timeOffsets = {"realtime": {"secs": 1}}' "linux.timeOffsets: Additional properties are not allowed ('realtime' was unexpected)"
    must_reject config.schema.json "$c" '.linux.rootfsPropagation = "rslaved"' "linux.rootfsPropagation: 'rslaved' is not one of"
    must_reject config.schema.json "$c" '.linux.resources.memory = {"limit": -2}' "linux.resources.memory.limit: -2 is less than the minimum of -1"
    must_reject config.schema.json "$c" '.linux.resources.devices[0].access = ""' "linux.resources.devices[0].access: ''"
    must_accept config.schema.json "$c" '.linux.resources.devices[0].access = "rwa"'
    must_reject config.schema.json "$c" '.linux.resources.unified = {"../../cgroup.procs": "1"}' "linux.resources.unified: '../../cgroup.procs' does not match"
    must_reject config.schema.json "$c" '.linux.seccomp = {"defaultAction": "SCMP_ACT_DENY"}' "linux.seccomp.defaultAction: 'SCMP_ACT_DENY' is not one of"
    must_reject config.schema.json "$c" '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": [], "action": "SCMP_ACT_ERRNO"}]}' "linux.seccomp.syscalls[0].names: [] is too short"
    must_reject config.schema.json "$c" '.linux.maskedPaths += ["proc/kcore"]' "linux.maskedPaths[11]: 'proc/kcore' does not match"
    must_reject config.schema.json "$c" '.linux.personality = {"domain": "LINUX64"}' "linux.personality.domain: 'LINUX64' is not one of"
    must_reject config.schema.json "$c" '.linux.memoryPolicy = {"nodes": "0"}' "linux.memoryPolicy: 'mode' is a required property"
    # The array bounds congo enforces (README "Hardening").
    must_reject config.schema.json "$c" '.mounts = [range(4097) | {"destination": "/x"}]' "mounts: [{'destination': '/x'}"
    must_reject config.schema.json "$c" '.linux.readonlyPaths = [range(4097) | "/x"]' "is too long"
    must_reject config.schema.json "$c" '.hooks.prestart = [range(1025) | {"path": "/x"}]' "is too long"
}

test_config_schema_accepts_what_the_spec_allows() {
    requires_python_jsonschema
    mkdir "$T/b"
    "$CONGO" spec --bundle "$T/b"
    local c=$T/b/config.json
    # Unknown members are ignored by runtimes, so the schema allows them.
    must_accept config.schema.json "$c" '.x = {"y": [1, {"z": null}]} | .process.extra = true | .linux.future = 1'
    must_accept config.schema.json "$c" '.ociVersion = "1.0.2-dev" | .linux.rootfsPropagation = "rprivate"'
    must_accept config.schema.json "$c" '.process.rlimits[0].hard = "@RAW:18446744073709551615@" | .process.user.uid = 4294967294'
    must_accept config.schema.json "$c" '.linux.resources.memory = {"limit": -1, "swap": -1} | .linux.resources.pids = {"limit": -1}'
    must_accept config.schema.json "$c" '.linux.devices = [{"path": "/dev/f", "type": "p"}, {"path": "/dev/fuse", "type": "c", "major": 10, "minor": 229}]'
    must_accept config.schema.json "$c" '.linux.namespaces += [{"type": "time"}] | .linux.timeOffsets = {"monotonic": {"secs": -5, "nanosecs": 999999999}}'
    must_accept config.schema.json "$c" '.mounts[0].destination = "relative"'
    must_accept config.schema.json "$c" '.mounts = [range(4096) | {"destination": "/x"}] | .hooks.poststop = [range(1024) | {"path": "/x"}]'
}

test_process_schema() {
    requires_python_jsonschema
    mkdir "$T/b"
    "$CONGO" spec --bundle "$T/b"
    jq .process "$T/b/config.json" > "$T/process.json"
    validate process.schema.json "$T/process.json"
    assert_ok
    must_reject process.schema.json "$T/process.json" 'del(.cwd)' "'cwd' is a required property"
    must_reject process.schema.json "$T/process.json" '.user.uid = "x"' "user.uid: 'x' is not of type 'integer'"
    must_reject process.schema.json "$T/process.json" '.args = "sh"' "args: 'sh' is not of type 'array'"
}

test_resources_schema() {
    requires_python_jsonschema
    mkdir "$T/b"
    "$CONGO" spec --bundle "$T/b"
    jq '.linux.resources + {"memory": {"limit": 1048576, "swap": -1}, "cpu": {"shares": 512, "cpus": "0-1"}, "pids": {"limit": 10}}' \
        "$T/b/config.json" > "$T/resources.json"
    validate resources.schema.json "$T/resources.json"
    assert_ok
    must_reject resources.schema.json "$T/resources.json" '.pids.limit = "10"' "pids.limit: '10' is not of type 'integer'"
    must_reject resources.schema.json "$T/resources.json" '.cpu.cpus = "0-"' "cpu.cpus: '0-' is not valid"
    must_reject resources.schema.json "$T/resources.json" '.blockIO = {"weight": 5}' "blockIO.weight: 5 is not valid"
    must_reject resources.schema.json "$T/resources.json" '.memory.swappiness = 101' "memory.swappiness: 101 is not valid"
}

test_state_schema() {
    requires_python_jsonschema
    # The shape runc and crun print; the lead validates `congo state` itself.
    cat > "$T/state.json" <<'JSON'
{"ociVersion": "1.2.0", "id": "box", "pid": 4242, "status": "running", "bundle": "/run/b",
 "rootfs": "/run/b/rootfs", "created": "2026-11-29T06:37:06.123456789Z", "owner": "",
 "annotations": {"k": "v"}}
JSON
    validate state.schema.json "$T/state.json"
    assert_ok
    must_accept state.schema.json "$T/state.json" '.status = "stopped" | .pid = 0'
    must_accept state.schema.json "$T/state.json" '.status = "creating" | del(.pid)'
    must_accept state.schema.json "$T/state.json" '.created = "2026-11-29T07:37:06+01:00"'
    must_reject state.schema.json "$T/state.json" '.status = "exited"' "status: 'exited' is not one of"
    must_reject state.schema.json "$T/state.json" 'del(.pid)' "'pid' is a required property"
    must_reject state.schema.json "$T/state.json" '.pid = 0' "pid: 0 is less than the minimum of 1"
    must_reject state.schema.json "$T/state.json" '.status = "paused" | .pid = 0' "pid: 0 is less than the minimum of 1"
    must_reject state.schema.json "$T/state.json" 'del(.bundle)' "'bundle' is a required property"
    must_reject state.schema.json "$T/state.json" '.bundle = "b"' "bundle: 'b' does not match"
    must_reject state.schema.json "$T/state.json" '.created = "yesterday"' "created: 'yesterday' does not match"
    must_reject state.schema.json "$T/state.json" '.id = ""' "id: '' is too short"
    must_reject state.schema.json "$T/state.json" '.annotations = {"k": 1}' "annotations.k: 1 is not of type 'string'"
}

test_features_schema() {
    requires_python_jsonschema
    command -v runc >/dev/null || skip "runc is not installed (its features output is the reference document)"
    runc features > "$T/runc-features.json"
    validate features.schema.json "$T/runc-features.json"
    assert_ok
    # Everything but the versions may be null ("unknown").
    must_accept features.schema.json "$T/runc-features.json" '.hooks = null | .linux.cgroup = null | .linux.seccomp.enabled = null | .annotations = null'
    must_accept features.schema.json "$T/runc-features.json" '.linux.mountExtensions = {"idmap": {"enabled": true}} | .potentiallyUnsafeConfigAnnotations = ["run.oci."]'
    must_reject features.schema.json "$T/runc-features.json" 'del(.ociVersionMax)' "'ociVersionMax' is a required property"
    must_reject features.schema.json "$T/runc-features.json" '.ociVersionMin = null' "ociVersionMin: None is not of type 'string'"
    must_reject features.schema.json "$T/runc-features.json" '.hooks += ["bogus"]' "is not one of"
    must_reject features.schema.json "$T/runc-features.json" '.linux.namespaces = ["pid", "pid"]' "linux.namespaces: ['pid', 'pid'] has non-unique elements"
    must_reject features.schema.json "$T/runc-features.json" '.linux.cgroup.v2 = "yes"' "linux.cgroup.v2: 'yes' is not of type 'boolean', 'null'"
    must_reject features.schema.json "$T/runc-features.json" '.linux.mountExtensions.idmap.enabled = 1' "linux.mountExtensions.idmap.enabled: 1 is not of type 'boolean', 'null'"
}

test_validator_reports_unreadable_input() {
    requires_python_jsonschema
    printf '{"ociVersion": ' > "$T/broken.json"
    validate config.schema.json "$T/broken.json"
    assert_rc 2
    assert_contains "$ERR" "broken.json: cannot read document"
    validate config.schema.json "$T/missing.json"
    assert_rc 2
    run_cmd "$PY" "$VALIDATE" "$SCHEMAS/config.schema.json"
    assert_rc 2
    assert_contains "$ERR" "Usage: "
}

run_tests "$@"
