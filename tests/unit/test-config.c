/* Unit tests for the config.json model: parser, validation, lookups.
 *
 * Documents are written with single quotes for readability and turned into
 * JSON by J() (no test value needs a literal single quote).  Every case names
 * the exact message expected, or NULL when the document must be accepted.
 * Boundaries are tested both ways: the last accepted value and the first
 * refused one. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "libcongo/cgroup.h"
#include "libcongo/oci-config.h"
#include "libcongo/utils.h"

#ifndef TOP_BUILDDIR
#define TOP_BUILDDIR "."
#endif

static char *J(const char *s)
{
    char *r = xstrdup(s);
    for (char *c = r; *c; c++)
        if (*c == '\'')
            *c = '"';
    return r;
}

/* Parse (and validate, unless parse_only) a document; returns NULL when it
 * was accepted, else the error text (to free). */
static char *run_config(const char *doc, bool parse_only)
{
    _cleanup_free_ char *json = J(doc);
    congo_error err = CONGO_ERROR_INIT;
    oci_config *c = NULL;
    char *text = NULL;
    int r = oci_config_parse(&c, json, strlen(json), "config.json", &err);
    if (r == 0 && !parse_only)
        r = oci_config_validate(c, &err);
    if (r < 0) {
        text = congo_error_text(&err);
        assert_true(r < 0);
    }
    congo_error_clear(&err);
    oci_config_free(c);
    return text;
}

struct tcase {
    const char *doc;
    const char *expect; /* NULL: accepted */
};

static void run_table(const struct tcase *t, size_t n, bool parse_only)
{
    int failures = 0;
    for (size_t i = 0; i < n; i++) {
        char *got = run_config(t[i].doc, parse_only);
        if (!streq_ptr(got, t[i].expect)) {
            print_error("case %zu: %s\n  expected: %s\n  got:      %s\n", i, t[i].doc,
                        t[i].expect ? t[i].expect : "(accepted)", got ? got : "(accepted)");
            failures++;
        }
        free(got);
    }
    assert_int_equal(failures, 0);
}
#define RUN(table) run_table(table, ARRAY_SIZE(table), false)

/* A minimal valid document, with room for more fields in process and at the top level. */
#define CFG(proc, top) "{'ociVersion':'1.2.0','root':{'path':'rootfs'},'process':{'cwd':'/','args':['sh']" proc "}" top "}"
/* ... and with linux.namespaces as given plus more linux fields. */
#define LNX(ns, more) CFG("", ",'linux':{'namespaces':[" ns "]" more "}")
#define RES(res) LNX("", ",'resources':{" res "}")

/* ------------------------------------------------------------------------ */
/* Good documents. */

static const char full_example[] =
    "{"
    "'ociVersion':'1.2.0',"
    "'root':{'path':'rootfs','readonly':true},"
    "'mounts':["
    "  {'destination':'/proc','type':'proc','source':'proc'},"
    "  {'destination':'/data','type':'none','source':'/volumes/testing','options':['rbind','rw'],"
    "   'uidMappings':[{'containerID':0,'hostID':1000,'size':32000}],"
    "   'gidMappings':[{'containerID':0,'hostID':1000,'size':32000}]}],"
    "'process':{"
    "  'terminal':true,'consoleSize':{'height':25,'width':80},"
    "  'user':{'uid':1,'gid':1,'umask':18,'additionalGids':[5,6]},"
    "  'args':['sh','-c','true'],"
    "  'env':['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin','TERM=xterm'],"
    "  'cwd':'/root',"
    "  'capabilities':{'bounding':['CAP_AUDIT_WRITE','CAP_KILL','CAP_NET_BIND_SERVICE'],"
    "    'permitted':['CAP_AUDIT_WRITE','CAP_KILL','CAP_NET_BIND_SERVICE'],"
    "    'inheritable':['CAP_AUDIT_WRITE','CAP_KILL','CAP_NET_BIND_SERVICE'],"
    "    'effective':['CAP_AUDIT_WRITE','CAP_KILL'],'ambient':['CAP_NET_BIND_SERVICE']},"
    "  'rlimits':[{'type':'RLIMIT_CORE','hard':1024,'soft':1024},"
    "             {'type':'RLIMIT_NOFILE','hard':18446744073709551615,'soft':1024}],"
    "  'apparmorProfile':'acme_secure_profile',"
    "  'selinuxLabel':'system_u:system_r:svirt_lxc_net_t:s0:c124,c675',"
    "  'noNewPrivileges':true,'oomScoreAdj':100,"
    "  'scheduler':{'policy':'SCHED_DEADLINE','nice':0,'priority':0,'flags':['SCHED_FLAG_RESET_ON_FORK'],"
    "    'runtime':100000,'deadline':200000,'period':300000},"
    "  'ioPriority':{'class':'IOPRIO_CLASS_BE','priority':4},"
    "  'execCPUAffinity':{'initial':'0-3,7','final':'0'}},"
    "'hostname':'slartibartfast','domainname':'foobarbaz.test',"
    "'hooks':{"
    "  'prestart':[{'path':'/usr/bin/fix-mounts','args':['fix-mounts','arg1','arg2'],'env':['key1=value1']}],"
    "  'createRuntime':[{'path':'/usr/bin/fix-mounts','args':['fix-mounts','arg1']}],"
    "  'createContainer':[{'path':'/usr/bin/mount-hook','args':['-mount','arg1'],'timeout':5}],"
    "  'startContainer':[{'path':'/usr/bin/refresh-ldcache'}],"
    "  'poststart':[{'path':'/usr/bin/notify-start','timeout':5}],"
    "  'poststop':[{'path':'/usr/sbin/cleanup.sh','args':['cleanup.sh','-f']}]},"
    "'annotations':{'com.example.key1':'value1','com.example.key2':'value2'},"
    "'linux':{"
    "  'namespaces':[{'type':'pid'},{'type':'network'},{'type':'ipc'},{'type':'uts'},{'type':'mount'},"
    "    {'type':'user'},{'type':'cgroup'},{'type':'time'}],"
    "  'uidMappings':[{'containerID':0,'hostID':1000,'size':32000}],"
    "  'gidMappings':[{'containerID':0,'hostID':1000,'size':32000}],"
    "  'timeOffsets':{'monotonic':{'secs':172800,'nanosecs':0},'boottime':{'secs':-86400,'nanosecs':999999999}},"
    "  'devices':[{'path':'/dev/fuse','type':'c','major':10,'minor':229,'fileMode':438,'uid':0,'gid':0},"
    "    {'path':'/dev/sda','type':'b','major':8,'minor':0,'fileMode':432,'uid':0,'gid':0},"
    "    {'path':'/dev/myfifo','type':'p'}],"
    "  'netDevices':{'eth1':{'name':'eth0'},'ens4':{}},"
    "  'sysctl':{'net.ipv4.ip_forward':'1','net.core.somaxconn':'256','kernel.shmmax':'4096',"
    "    'fs.mqueue.msg_max':'10','kernel.domainname':'x.test','net/ipv4/conf/eth0.100/rp_filter':'1'},"
    "  'cgroupsPath':'/myRuntime/myContainer',"
    "  'resources':{"
    "    'network':{'classID':1048577,'priorities':[{'name':'eth0','priority':500},{'name':'eth1','priority':1000}]},"
    "    'pids':{'limit':32771},"
    "    'hugepageLimits':[{'pageSize':'2MB','limit':9223372036854772000},{'pageSize':'64KB','limit':0}],"
    "    'memory':{'limit':536870912,'reservation':536870912,'swap':536870912,'kernel':-1,'kernelTCP':-1,"
    "      'swappiness':0,'disableOOMKiller':false,'useHierarchy':true,'checkBeforeUpdate':true},"
    "    'cpu':{'shares':1024,'quota':1000000,'burst':1000000,'period':500000,'realtimeRuntime':950000,"
    "      'realtimePeriod':1000000,'cpus':'2-3','mems':'0-7','idle':0},"
    "    'devices':[{'allow':false,'access':'rwm'},{'allow':true,'type':'c','major':10,'minor':229,'access':'rw'},"
    "      {'allow':true,'type':'b','major':8,'minor':0,'access':'r'}],"
    "    'blockIO':{'weight':10,'leafWeight':10,"
    "      'weightDevice':[{'major':8,'minor':0,'weight':500,'leafWeight':300},{'major':8,'minor':16,'weight':500}],"
    "      'throttleReadBpsDevice':[{'major':8,'minor':0,'rate':600}],"
    "      'throttleWriteBpsDevice':[{'major':8,'minor':16,'rate':300}],"
    "      'throttleReadIOPSDevice':[{'major':8,'minor':0,'rate':60}],"
    "      'throttleWriteIOPSDevice':[{'major':8,'minor':16,'rate':30}]},"
    "    'rdma':{'mlx5_1':{'hcaHandles':3,'hcaObjects':10000},'mlx4_0':{'hcaObjects':1000},'rxe3':{}},"
    "    'unified':{'io.max':'259:0 rbps=2097152','memory.high':'max'}},"
    "  'rootfsPropagation':'slave',"
    "  'seccomp':{'defaultAction':'SCMP_ACT_ALLOW','defaultErrnoRet':1,"
    "    'architectures':['SCMP_ARCH_X86','SCMP_ARCH_X32'],'flags':['SECCOMP_FILTER_FLAG_LOG'],"
    "    'listenerPath':'/run/seccomp-agent.socket','listenerMetadata':'metadata',"
    "    'syscalls':[{'names':['getcwd','chmod'],'action':'SCMP_ACT_ERRNO','errnoRet':38},"
    "      {'names':['personality'],'action':'SCMP_ACT_ALLOW',"
    "       'args':[{'index':0,'value':8,'op':'SCMP_CMP_EQ'},{'index':5,'value':1,'valueTwo':1,'op':'SCMP_CMP_MASKED_EQ'}]}]},"
    "  'maskedPaths':['/proc/kcore','/proc/latency_stats','/proc/timer_list','/proc/timer_stats','/proc/sched_debug'],"
    "  'readonlyPaths':['/proc/asound','/proc/bus','/proc/fs','/proc/irq','/proc/sys','/proc/sysrq-trigger'],"
    "  'mountLabel':'system_u:object_r:svirt_sandbox_file_t:s0:c715,c811',"
    "  'personality':{'domain':'LINUX','flags':[]},"
    "  'memoryPolicy':{'mode':'MPOL_INTERLEAVE','nodes':'0-3,7','flags':['MPOL_F_STATIC_NODES']},"
    "  'intelRdt':{'closID':'guaranteed_group','l3CacheSchema':'L3:0=7f0;1=1f','memBwSchema':'MB:0=20;1=70',"
    "    'enableCMT':true,'enableMBM':false,'schemata':['L2:0=ff'],'enableMonitoring':true}},"
    "'windows':{'layerFolders':['C:\\\\x']},'vm':{'kernel':{'path':'/k'}},'solaris':{},"
    "'com.example.extension':[{'deep':[[[{'x':null}]]]}]"
    "}";

static oci_config *parse_ok(const char *doc)
{
    _cleanup_free_ char *json = J(doc);
    congo_error err = CONGO_ERROR_INIT;
    oci_config *c = NULL;
    int r = oci_config_parse(&c, json, strlen(json), "config.json", &err);
    if (r == 0)
        r = oci_config_validate(c, &err);
    if (r < 0) {
        _cleanup_free_ char *t = congo_error_text(&err);
        print_error("%s\n", t);
    }
    assert_int_equal(r, 0);
    congo_error_clear(&err);
    return c;
}

static void full_example_every_field(void **state)
{
    _cleanup_config_ oci_config *c = parse_ok(full_example);
    const oci_process *p = c->process;
    const oci_linux *l = c->linux_;
    const oci_resources *r = l->resources;

    assert_string_equal(c->oci_version, "1.2.0");
    assert_string_equal(c->source, "config.json");
    assert_string_equal(c->root.path, "rootfs");
    assert_true(c->root.readonly);
    assert_int_equal(c->n_mounts, 2);
    assert_string_equal(c->mounts[1].destination, "/data");
    assert_string_equal(c->mounts[1].source, "/volumes/testing");
    assert_string_equal(c->mounts[1].type, "none");
    assert_string_equal(c->mounts[1].options[1], "rw");
    assert_null(c->mounts[1].options[2]);
    assert_null(c->mounts[0].options);
    assert_int_equal(c->mounts[1].n_uid_mappings, 1);
    assert_int_equal(c->mounts[1].gid_mappings[0].size, 32000);

    assert_true(p->terminal);
    assert_true(p->console_height.set);
    assert_int_equal(p->console_height.value, 25);
    assert_int_equal(p->console_width.value, 80);
    assert_int_equal(p->user.uid, 1);
    assert_int_equal(p->user.gid, 1);
    assert_true(p->user.umask.set);
    assert_int_equal(p->user.umask.value, 022);
    assert_int_equal(p->user.n_additional_gids, 2);
    assert_int_equal(p->user.additional_gids[1], 6);
    assert_int_equal(strv_length(p->args), 3);
    assert_string_equal(p->env[1], "TERM=xterm");
    assert_string_equal(p->cwd, "/root");
    assert_int_equal(strv_length(p->capabilities->bounding), 3);
    assert_int_equal(strv_length(p->capabilities->effective), 2);
    assert_string_equal(p->capabilities->ambient[0], "CAP_NET_BIND_SERVICE");
    assert_int_equal(p->n_rlimits, 2);
    assert_int_equal(p->rlimits[0].resource, RLIMIT_CORE);
    assert_int_equal(p->rlimits[1].resource, RLIMIT_NOFILE);
    assert_true(p->rlimits[1].hard == UINT64_MAX);
    assert_int_equal(p->rlimits[1].soft, 1024);
    assert_string_equal(p->apparmor_profile, "acme_secure_profile");
    assert_string_equal(p->selinux_label, "system_u:system_r:svirt_lxc_net_t:s0:c124,c675");
    assert_true(p->no_new_privileges);
    assert_true(p->oom_score_adj.set);
    assert_int_equal(p->oom_score_adj.value, 100);
    assert_int_equal(p->scheduler->policy_value, 6);
    assert_true(p->scheduler->nice.set);
    assert_int_equal(p->scheduler->runtime.value, 100000);
    assert_int_equal(p->scheduler->period.value, 300000);
    assert_string_equal(p->scheduler->flags[0], "SCHED_FLAG_RESET_ON_FORK");
    assert_int_equal(p->io_priority->class_value, 2);
    assert_int_equal(p->io_priority->priority, 4);
    assert_string_equal(p->exec_cpu_affinity_initial, "0-3,7");
    assert_string_equal(p->exec_cpu_affinity_final, "0");

    assert_string_equal(c->hostname, "slartibartfast");
    assert_string_equal(c->domainname, "foobarbaz.test");
    assert_int_equal(c->hooks.n_prestart, 1);
    assert_int_equal(strv_length(c->hooks.prestart[0].args), 3);
    assert_string_equal(c->hooks.prestart[0].env[0], "key1=value1");
    assert_false(c->hooks.prestart[0].timeout.set);
    assert_int_equal(c->hooks.n_create_runtime, 1);
    assert_int_equal(c->hooks.create_container[0].timeout.value, 5);
    assert_string_equal(c->hooks.start_container[0].path, "/usr/bin/refresh-ldcache");
    assert_int_equal(c->hooks.n_poststart, 1);
    assert_string_equal(c->hooks.poststop[0].args[1], "-f");
    assert_string_equal(oci_map_get(&c->annotations, "com.example.key2"), "value2");
    assert_null(oci_map_get(&c->annotations, "com.example.key3"));

    assert_int_equal(l->n_namespaces, 8);
    assert_int_equal(l->namespaces[7].type, OCI_NS_TIME);
    assert_null(l->namespaces[0].path);
    assert_int_equal(l->uid_mappings[0].host_id, 1000);
    assert_int_equal(l->gid_mappings[0].container_id, 0);
    assert_true(l->time_monotonic.set);
    assert_int_equal(l->time_monotonic.secs, 172800);
    assert_int_equal(l->time_boottime.secs, -86400);
    assert_int_equal(l->time_boottime.nanosecs, 999999999);
    assert_int_equal(l->n_devices, 3);
    assert_int_equal(l->devices[0].major, 10);
    assert_int_equal(l->devices[0].minor, 229);
    assert_true(l->devices[0].major_set && l->devices[0].minor_set);
    assert_int_equal(l->devices[1].file_mode.value, 0660);
    assert_true(l->devices[1].uid.set);
    assert_false(l->devices[2].major_set);
    assert_string_equal(oci_map_get(&l->net_devices, "eth1"), "eth0");
    assert_string_equal(oci_map_get(&l->net_devices, "ens4"), "ens4"); /* no name: keeps its own */
    assert_int_equal(l->sysctl.n, 6);
    assert_string_equal(oci_map_get(&l->sysctl, "net.core.somaxconn"), "256");
    assert_string_equal(l->cgroups_path, "/myRuntime/myContainer");

    assert_true(r->has_network);
    assert_int_equal(r->network_class_id.value, 1048577);
    assert_int_equal(r->n_network_priorities, 2);
    assert_string_equal(r->network_priorities[1].name, "eth1");
    assert_int_equal(r->network_priorities[1].priority, 1000);
    assert_true(r->has_pids);
    assert_int_equal(r->pids_limit.value, 32771);
    assert_int_equal(r->n_hugepage_limits, 2);
    assert_true(r->hugepage_limits[0].limit == 9223372036854772000ull);
    assert_int_equal(r->memory->limit.value, 536870912);
    assert_int_equal(r->memory->kernel.value, -1);
    assert_true(r->memory->swappiness.set);
    assert_int_equal(r->memory->swappiness.value, 0);
    assert_true(r->memory->disable_oom_killer.set);
    assert_false(r->memory->disable_oom_killer.value);
    assert_true(r->memory->use_hierarchy.value);
    assert_true(r->memory->check_before_update.value);
    assert_int_equal(r->cpu->shares.value, 1024);
    assert_int_equal(r->cpu->quota.value, 1000000);
    assert_int_equal(r->cpu->burst.value, 1000000);
    assert_int_equal(r->cpu->realtime_runtime.value, 950000);
    assert_string_equal(r->cpu->cpus, "2-3");
    assert_string_equal(r->cpu->mems, "0-7");
    assert_true(r->cpu->idle.set);
    assert_int_equal(r->n_devices, 3);
    assert_false(r->devices[0].allow);
    assert_null(r->devices[0].type);
    assert_false(r->devices[0].major.set);
    assert_string_equal(r->devices[1].type, "c");
    assert_int_equal(r->devices[1].minor.value, 229);
    assert_int_equal(r->block_io->weight.value, 10);
    assert_int_equal(r->block_io->n_weight_device, 2);
    assert_false(r->block_io->weight_device[1].leaf_weight.set);
    assert_int_equal(r->block_io->throttle_write_iops[0].rate, 30);
    assert_int_equal(r->rdma_names.n, 3);
    assert_string_equal(r->rdma_names.keys[0], "mlx5_1");
    assert_int_equal(r->rdma[0].hca_handles.value, 3);
    assert_false(r->rdma[1].hca_handles.set);
    assert_int_equal(r->rdma[1].hca_objects.value, 1000);
    assert_non_null(oci_map_get(&r->rdma_names, "rxe3"));
    assert_string_equal(oci_map_get(&r->unified, "io.max"), "259:0 rbps=2097152");

    assert_string_equal(l->rootfs_propagation, "slave");
    assert_string_equal(l->seccomp->default_action, "SCMP_ACT_ALLOW");
    assert_int_equal(l->seccomp->default_errno_ret.value, 1);
    assert_int_equal(strv_length(l->seccomp->architectures), 2);
    assert_string_equal(l->seccomp->flags[0], "SECCOMP_FILTER_FLAG_LOG");
    assert_string_equal(l->seccomp->listener_path, "/run/seccomp-agent.socket");
    assert_string_equal(l->seccomp->listener_metadata, "metadata");
    assert_int_equal(l->seccomp->n_syscalls, 2);
    assert_int_equal(l->seccomp->syscalls[0].errno_ret.value, 38);
    assert_int_equal(l->seccomp->syscalls[1].n_args, 2);
    assert_int_equal(l->seccomp->syscalls[1].args[1].index, 5);
    assert_true(l->seccomp->syscalls[1].args[1].value_two.set);
    assert_string_equal(l->seccomp->syscalls[1].args[1].op, "SCMP_CMP_MASKED_EQ");
    assert_int_equal(strv_length(l->masked_paths), 5);
    assert_int_equal(strv_length(l->readonly_paths), 6);
    assert_string_equal(l->mount_label, "system_u:object_r:svirt_sandbox_file_t:s0:c715,c811");
    assert_string_equal(l->personality->domain, "LINUX");
    assert_non_null(l->personality->flags); /* [] is not absent */
    assert_null(l->personality->flags[0]);
    assert_string_equal(l->memory_policy->mode, "MPOL_INTERLEAVE");
    assert_string_equal(l->memory_policy->nodes, "0-3,7");
    assert_string_equal(l->intel_rdt->clos_id, "guaranteed_group");
    assert_true(l->intel_rdt->enable_cmt.set && l->intel_rdt->enable_cmt.value);
    assert_true(l->intel_rdt->enable_mbm.set && !l->intel_rdt->enable_mbm.value);
    assert_string_equal(l->intel_rdt->schemata[0], "L2:0=ff");
    assert_true(l->intel_rdt->enable_monitoring.value);
}

static void minimal_document_defaults(void **state)
{
    _cleanup_config_ oci_config *c = parse_ok(CFG("", ""));
    assert_string_equal(c->root.path, "rootfs");
    assert_false(c->root.readonly);
    assert_null(c->linux_);
    assert_null(c->mounts);
    assert_int_equal(c->n_mounts, 0);
    assert_int_equal(c->annotations.n, 0);
    assert_null(c->hostname);
    assert_false(c->process->terminal);
    assert_int_equal(c->process->user.uid, 0);
    assert_false(c->process->user.umask.set);
    assert_null(c->process->capabilities);
    assert_null(c->process->env);
    assert_false(c->process->oom_score_adj.set);
    assert_false(c->process->no_new_privileges);
}

/* `congo spec`, `congo spec --rootless` and the build's default bundle. */
static void spec_output_parses_and_validates(void **state)
{
    char dir[] = "/tmp/congo-test-config.XXXXXX", cmd[512];
    const char *variants[] = { "", "--rootless" };
    assert_non_null(mkdtemp(dir));
    for (size_t i = 0; i < ARRAY_SIZE(variants); i++) {
        congo_error err = CONGO_ERROR_INIT;
        oci_config *c = NULL;
        snprintf(cmd, sizeof cmd, "rm -f %s/config.json && %s/congo spec %s -b %s", dir, TOP_BUILDDIR, variants[i], dir);
        assert_int_equal(system(cmd), 0);
        assert_int_equal(oci_config_load(&c, dir, &err), 0);
        assert_int_equal(oci_config_validate(c, &err), 0);
        assert_string_equal(c->process->args[0], "sh");
        /* pid, network, ipc, uts, mount; cgroup on pure v2 hosts only (runc); user for --rootless. */
        enum congo_cgroup_mode mode;
        bool cgroupns = congo_cgroup_detect_mode(&mode, &err) == 0 && congo_cgroup_ns_by_default(mode);
        assert_int_equal(c->linux_->n_namespaces, 5 + (cgroupns ? 1 : 0) + (i == 0 ? 0 : 1));
        assert_int_equal(c->linux_->n_uid_mappings, i == 0 ? 0 : 1);
        assert_int_equal(c->process->rlimits[0].resource, RLIMIT_NOFILE);
        oci_config_free(c);
    }
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);

    {
        congo_error err = CONGO_ERROR_INIT;
        _cleanup_config_ oci_config *c = NULL;
        assert_int_equal(oci_config_load(&c, TOP_BUILDDIR "/default-bundle", &err), 0);
        assert_int_equal(oci_config_validate(c, &err), 0);
        assert_false(c->process->terminal);
    }
}

/* ------------------------------------------------------------------------ */
/* Malformed JSON. */

static const struct tcase syntax_cases[] = {
    { "", "config.json: line 1: parse error: premature EOF" },
    { "{'ociVersion': '1.0.0',\n 'process': {\n  'cwd': '/' ,,\n}}",
      "config.json: line 3: parse error: invalid object key (must be a string)" },
    { "{'ociVersion': '1.0.0'", "config.json: line 1: parse error: premature EOF" },
    { "{'ociVersion': '1.0.0'} x", "config.json: line 1: parse error: trailing garbage" },
    { "{'ociVersion': '1.0.0'}\n\n{}", "config.json: line 3: parse error: trailing garbage" },
    { "{'a': 01}", "config.json: line 1: parse error: after key and value, inside map, I expect ',' or '}'" },
    { "{'a': [1,2,]}", "config.json: line 1: parse error: unallowed token at this point in JSON text" },
    { "{'a': 'x\ty'}", "config.json: line 1: lexical error: invalid character inside string." },
    { "{'a': 'x\\u0000y'}",
      "config.json: line 1: a string contains \\u0000 (a NUL character), which is not allowed" },
    { "{'a\\u0000': 1}",
      "config.json: line 1: a member name contains \\u0000 (a NUL character), which is not allowed" },
    { "{'a': 'x\\\\u0000y', 'ociVersion': '1.0'}", "config.json: missing required field \"root\"" },
    { "{/* comment */}", "config.json: line 1: lexical error: probable comment found in input text, comments are "
                         "not enabled." },
    { "[]", "config.json: expected a JSON object at the top level, got an array" },
    { "'config'", "config.json: expected a JSON object at the top level, got a string" },
    { "42", "config.json: expected a JSON object at the top level, got a scalar" },
    { "null", "config.json: expected a JSON object at the top level, got a scalar" },
    { "{}", "config.json: missing required field \"ociVersion\"" },
};

static void malformed_json(void **state)
{
    run_table(syntax_cases, ARRAY_SIZE(syntax_cases), false);
}

static void invalid_utf8_and_deep_nesting(void **state)
{
    congo_error err = CONGO_ERROR_INIT;
    oci_config *c = NULL;
    const char bad_utf8[] = "{\"ociVersion\": \"1.0\xff\"}";
    char deep[2 * 300 + 16], *t;
    size_t n = 0;

    assert_int_equal(oci_config_parse(&c, bad_utf8, strlen(bad_utf8), "config.json", &err), -EINVAL);
    t = congo_error_text(&err);
    assert_string_equal(t, "config.json: line 1: lexical error: invalid bytes in UTF8 string.");
    free(t);
    assert_null(c);

    /* 200 levels are allowed, 201 are not (the tree would be costly to free). */
    for (int depth = 199; depth <= 200; depth++) {
        n = 0;
        n += sprintf(deep + n, "{\"x\":");
        for (int i = 0; i < depth; i++)
            deep[n++] = '[';
        for (int i = 0; i < depth; i++)
            deep[n++] = ']';
        deep[n++] = '}';
        deep[n] = '\0';
        congo_error_clear(&err);
        int r = oci_config_parse(&c, deep, n, "config.json", &err);
        t = congo_error_text(&err);
        if (depth == 199)
            assert_string_equal(t, "config.json: missing required field \"ociVersion\"");
        else
            assert_string_equal(t, "config.json: line 1: JSON nested deeper than the limit of 200 levels");
        assert_int_equal(r, -EINVAL);
        free(t);
    }
    congo_error_clear(&err);

    /* Not NUL-terminated: only len bytes are read. */
    const char buf[] = "{\"ociVersion\":\"1.0\"}GARBAGE";
    assert_int_equal(oci_config_parse(&c, buf, 20, "x.json", &err), 0);
    assert_string_equal(c->oci_version, "1.0");
    oci_config_free(c);
}

/* ------------------------------------------------------------------------ */
/* Types: each kind of field refuses the other JSON types; null is absent. */

static const struct tcase type_cases[] = {
    { "{'ociVersion':1}", "config.json: ociVersion: expected a string, got 1" },
    { "{'ociVersion':null}", "config.json: missing required field \"ociVersion\"" },
    { "{'ociVersion':'1.0.0','root':'rootfs'}", "config.json: root: expected an object, got \"rootfs\"" },
    { "{'ociVersion':'1.0.0','root':{'path':['rootfs']}}", "config.json: root.path: expected a string, got an array" },
    { "{'ociVersion':'1.0.0','root':{'path':'r','readonly':'true'}}",
      "config.json: root.readonly: expected true or false, got \"true\"" },
    { "{'ociVersion':'1.0.0','root':{'path':'r','readonly':1}}", "config.json: root.readonly: expected true or false, got 1" },
    { CFG(",'user':{'uid':'root','gid':0}", ""),
      "config.json: process.user.uid: expected an unsigned 32-bit integer, got \"root\"" },
    { CFG(",'user':{'uid':true,'gid':0}", ""), "config.json: process.user.uid: expected an unsigned 32-bit integer, got true" },
    { CFG(",'user':{'uid':{},'gid':0}", ""),
      "config.json: process.user.uid: expected an unsigned 32-bit integer, got an object" },
    { CFG(",'user':{'uid':1.0,'gid':0}", ""), "config.json: process.user.uid: expected an unsigned 32-bit integer, got 1.0" },
    { CFG(",'user':{'uid':1e3,'gid':0}", ""), "config.json: process.user.uid: expected an unsigned 32-bit integer, got 1e3" },
    { CFG(",'user':{'uid':-0,'gid':0}", ""), "config.json: process.user.uid: expected an unsigned 32-bit integer, got -0" },
    { CFG(",'user':[]", ""), "config.json: process.user: expected an object, got an array" },
    { CFG(",'env':'A=b'", ""), "config.json: process.env: expected an array of strings, got \"A=b\"" },
    { CFG(",'env':['A=b',7]", ""), "config.json: process.env[1]: expected a string, got 7" },
    { CFG(",'env':['A=b',null]", ""), "config.json: process.env[1]: expected a string, got null" },
    { CFG(",'env':null,'terminal':null,'user':null", ""), NULL },
    { "{'ociVersion':'1.0.0','root':{'path':'rootfs'},'process':{'cwd':'/','args':'sh'}}",
      "config.json: process.args: expected an array of strings, got \"sh\"" },
    { CFG(",'terminal':'yes'", ""), "config.json: process.terminal: expected true or false, got \"yes\"" },
    { CFG(",'rlimits':{}", ""), "config.json: process.rlimits: expected an array of objects, got an object" },
    { CFG(",'rlimits':['RLIMIT_NOFILE']", ""), "config.json: process.rlimits[0]: expected an object, got \"RLIMIT_NOFILE\"" },
    { CFG(",'capabilities':['CAP_KILL']", ""), "config.json: process.capabilities: expected an object, got an array" },
    { CFG(",'capabilities':{'bounding':'CAP_KILL'}", ""),
      "config.json: process.capabilities.bounding: expected an array of strings, got \"CAP_KILL\"" },
    { CFG(",'user':{'uid':0,'gid':0,'additionalGids':5}", ""),
      "config.json: process.user.additionalGids: expected an array of unsigned 32-bit integers, got 5" },
    { CFG(",'user':{'uid':0,'gid':0,'additionalGids':[5,'6']}", ""),
      "config.json: process.user.additionalGids[1]: expected an unsigned 32-bit integer, got \"6\"" },
    { CFG("", ",'hostname':5"), "config.json: hostname: expected a string, got 5" },
    { CFG("", ",'annotations':[]"), "config.json: annotations: expected an object of strings, got an array" },
    { CFG("", ",'annotations':{'a':'b','c':1}"), "config.json: annotations[\"c\"]: expected a string, got 1" },
    { CFG("", ",'annotations':{'a\\\"b':false}"), "config.json: annotations[\"a\\\"b\"]: expected a string, got false" },
    { CFG("", ",'mounts':{}"), "config.json: mounts: expected an array of objects, got an object" },
    { CFG("", ",'mounts':[{'destination':'/x','options':'ro'}]"),
      "config.json: mounts[0].options: expected an array of strings, got \"ro\"" },
    { CFG("", ",'hooks':[]"), "config.json: hooks: expected an object, got an array" },
    { CFG("", ",'hooks':{'poststop':[{'path':'/bin/true','timeout':'5'}]}"),
      "config.json: hooks.poststop[0].timeout: expected a 64-bit integer, got \"5\"" },
    { CFG("", ",'linux':[]"), "config.json: linux: expected an object, got an array" },
    { LNX("", ",'sysctl':{'net.ipv4.ip_forward':1}"),
      "config.json: linux.sysctl[\"net.ipv4.ip_forward\"]: expected a string, got 1" },
    { LNX("", ",'netDevices':{'eth0':'eth1'}"), "config.json: linux.netDevices[\"eth0\"]: expected an object, got \"eth1\"" },
    { LNX("", ",'netDevices':['eth0']"), "config.json: linux.netDevices: expected an object of objects, got an array" },
    { LNX("", ",'timeOffsets':{'monotonic':{'secs':'1'}}"),
      "config.json: linux.timeOffsets[\"monotonic\"].secs: expected a 64-bit integer, got \"1\"" },
    { RES("'memory':{'limit':'1G'}"), "config.json: linux.resources.memory.limit: expected a 64-bit integer, got \"1G\"" },
    { RES("'memory':{'disableOOMKiller':0}"),
      "config.json: linux.resources.memory.disableOOMKiller: expected true or false, got 0" },
    { RES("'cpu':{'cpus':[0,1]}"), "config.json: linux.resources.cpu.cpus: expected a string, got an array" },
    { RES("'rdma':{'mlx5_1':5}"), "config.json: linux.resources.rdma[\"mlx5_1\"]: expected an object, got 5" },
    { RES("'unified':{'memory.max':1024}"), "config.json: linux.resources.unified[\"memory.max\"]: expected a string, got 1024" },
    { RES("'pids':5"), "config.json: linux.resources.pids: expected an object, got 5" },
    { LNX("", ",'seccomp':{'defaultAction':'SCMP_ACT_ALLOW','syscalls':[{'names':'read','action':'SCMP_ACT_ALLOW'}]}"),
      "config.json: linux.seccomp.syscalls[0].names: expected an array of strings, got \"read\"" },
    /* A long value is cut in messages, and control characters are escaped. */
    { CFG("", ",'hostname':['aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa']"),
      "config.json: hostname: expected a string, got an array" },
    { CFG("", ",'domainname':{'x':1},'hostname':'h','linux':{'namespaces':[{'type':'uts'}]}"),
      "config.json: domainname: expected a string, got an object" },
    { CFG(",'cwd':1234567890123456789012345678901234567890123456789", ""),
      "config.json: process.cwd: expected a string, got 1234567890123456789012345678901234567890..." },
};

static void types(void **state) { RUN(type_cases); }

static void escaped_values_in_messages(void **state)
{
    /* Built by hand: J() would turn the quotes inside. */
    const char doc[] = "{\"ociVersion\":\"1.0\",\"root\":{\"path\":\"r\"},"
                       "\"process\":{\"cwd\":\"/\",\"args\":[\"sh\"],\"user\":{\"uid\":\"a\\\"b\\\\c\\u001b[31m\",\"gid\":0}}}";
    congo_error err = CONGO_ERROR_INIT;
    oci_config *c = NULL;
    char *t;
    assert_int_equal(oci_config_parse(&c, doc, strlen(doc), "config.json", &err), -EINVAL);
    t = congo_error_text(&err);
    assert_string_equal(t, "config.json: process.user.uid: expected an unsigned 32-bit integer, got "
                           "\"a\\\"b\\\\c\\u001b[31m\"");
    free(t);
    congo_error_clear(&err);
}

/* ------------------------------------------------------------------------ */
/* Ranges: the last accepted value and the first refused one. */

static const struct tcase range_cases[] = {
    { CFG(",'user':{'uid':4294967294,'gid':4294967294,'additionalGids':[0,4294967294]}", ""), NULL },
    { CFG(",'user':{'uid':4294967295,'gid':0}", ""), "config.json: process.user.uid: 4294967295 is not a valid user ID" },
    { CFG(",'user':{'uid':0,'gid':4294967295}", ""), "config.json: process.user.gid: 4294967295 is not a valid group ID" },
    { CFG(",'user':{'uid':0,'gid':0,'additionalGids':[1,4294967295]}", ""),
      "config.json: process.user.additionalGids[1]: 4294967295 is not a valid group ID" },
    { CFG(",'user':{'uid':4294967296,'gid':0}", ""),
      "config.json: process.user.uid: expected an unsigned 32-bit integer, got 4294967296" },
    { CFG(",'user':{'uid':-1,'gid':0}", ""), "config.json: process.user.uid: expected an unsigned 32-bit integer, got -1" },
    { CFG(",'user':{'uid':0,'gid':0,'additionalGids':[4294967296]}", ""),
      "config.json: process.user.additionalGids[0]: expected an unsigned 32-bit integer, got 4294967296" },
    { CFG(",'user':{'uid':0,'gid':0,'umask':0}", ""), NULL },
    { CFG(",'user':{'uid':0,'gid':0,'umask':511}", ""), NULL },
    { CFG(",'user':{'uid':0,'gid':0,'umask':512}", ""),
      "config.json: process.user.umask: expected a permission mask between 0 and 511 (0777), got 512" },
    { CFG(",'user':{'uid':0,'gid':0,'umask':-1}", ""),
      "config.json: process.user.umask: expected an unsigned 32-bit integer, got -1" },
    { CFG(",'terminal':true,'consoleSize':{'height':65535,'width':0}", ""), NULL },
    { CFG(",'terminal':true,'consoleSize':{'height':65536,'width':80}", ""),
      "config.json: process.consoleSize.height: expected an unsigned 16-bit integer, got 65536" },
    { CFG(",'terminal':true,'consoleSize':{'height':25,'width':-1}", ""),
      "config.json: process.consoleSize.width: expected an unsigned 16-bit integer, got -1" },
    { CFG(",'rlimits':[{'type':'RLIMIT_CORE','soft':0,'hard':18446744073709551615}]", ""), NULL },
    { CFG(",'rlimits':[{'type':'RLIMIT_CORE','soft':0,'hard':18446744073709551616}]", ""),
      "config.json: process.rlimits[0].hard: expected an unsigned 64-bit integer, got 18446744073709551616" },
    { CFG(",'rlimits':[{'type':'RLIMIT_CORE','soft':-1,'hard':1}]", ""),
      "config.json: process.rlimits[0].soft: expected an unsigned 64-bit integer, got -1" },
    { CFG(",'rlimits':[{'type':'RLIMIT_CORE','soft':1024,'hard':1024}]", ""), NULL },
    { CFG(",'rlimits':[{'type':'RLIMIT_CORE','soft':1025,'hard':1024}]", ""),
      "config.json: process.rlimits[0]: soft limit 1025 is greater than hard limit 1024" },
    { CFG(",'oomScoreAdj':-1000", ""), NULL },
    { CFG(",'oomScoreAdj':1000", ""), NULL },
    { CFG(",'oomScoreAdj':-1001", ""), "config.json: process.oomScoreAdj: expected an integer between -1000 and 1000, got -1001" },
    { CFG(",'oomScoreAdj':1001", ""), "config.json: process.oomScoreAdj: expected an integer between -1000 and 1000, got 1001" },
    { CFG(",'oomScoreAdj':9223372036854775808", ""),
      "config.json: process.oomScoreAdj: expected a 64-bit integer, got 9223372036854775808" },
    { CFG(",'scheduler':{'policy':'SCHED_OTHER','nice':-20}", ""), NULL },
    { CFG(",'scheduler':{'policy':'SCHED_OTHER','nice':19}", ""), NULL },
    { CFG(",'scheduler':{'policy':'SCHED_OTHER','nice':-21}", ""),
      "config.json: process.scheduler.nice: expected a nice value between -20 and 19, got -21" },
    { CFG(",'scheduler':{'policy':'SCHED_OTHER','nice':20}", ""),
      "config.json: process.scheduler.nice: expected a nice value between -20 and 19, got 20" },
    { CFG(",'scheduler':{'policy':'SCHED_OTHER','nice':2147483648}", ""),
      "config.json: process.scheduler.nice: expected a 32-bit integer, got 2147483648" },
    { CFG(",'scheduler':{'policy':'SCHED_FIFO','priority':1}", ""), NULL },
    { CFG(",'scheduler':{'policy':'SCHED_RR','priority':99}", ""), NULL },
    { CFG(",'scheduler':{'policy':'SCHED_FIFO','priority':0}", ""),
      "config.json: process.scheduler.priority: expected a real-time priority between 1 and 99, got 0" },
    { CFG(",'scheduler':{'policy':'SCHED_RR','priority':100}", ""),
      "config.json: process.scheduler.priority: expected a real-time priority between 1 and 99, got 100" },
    { CFG(",'scheduler':{'policy':'SCHED_BATCH','priority':0}", ""), NULL },
    { CFG(",'scheduler':{'policy':'SCHED_BATCH','priority':5}", ""),
      "config.json: process.scheduler.priority: a priority can only be set with SCHED_FIFO or SCHED_RR, not SCHED_BATCH" },
    { CFG(",'scheduler':{'policy':'SCHED_OTHER','runtime':0,'deadline':0,'period':0}", ""), NULL },
    { CFG(",'scheduler':{'policy':'SCHED_OTHER','period':1}", ""),
      "config.json: process.scheduler: runtime, deadline and period can only be set with SCHED_DEADLINE, not SCHED_OTHER" },
    { CFG(",'scheduler':{'policy':'SCHED_DEADLINE','runtime':18446744073709551615}", ""), NULL },
    { CFG(",'ioPriority':{'class':'IOPRIO_CLASS_RT','priority':0}", ""), NULL },
    { CFG(",'ioPriority':{'class':'IOPRIO_CLASS_IDLE','priority':7}", ""), NULL },
    { CFG(",'ioPriority':{'class':'IOPRIO_CLASS_RT','priority':8}", ""),
      "config.json: process.ioPriority.priority: expected a priority between 0 and 7, got 8" },
    { CFG(",'ioPriority':{'class':'IOPRIO_CLASS_RT','priority':-1}", ""),
      "config.json: process.ioPriority.priority: expected a priority between 0 and 7, got -1" },
    { CFG("", ",'hooks':{'poststart':[{'path':'/bin/true','timeout':1}]}"), NULL },
    { CFG("", ",'hooks':{'poststart':[{'path':'/bin/true','timeout':0}]}"),
      "config.json: hooks.poststart[0].timeout: expected a positive number of seconds, got 0" },
    { CFG("", ",'hooks':{'createRuntime':[{'path':'/bin/true','timeout':-5}]}"),
      "config.json: hooks.createRuntime[0].timeout: expected a positive number of seconds, got -5" },
    /* id mappings: size >= 1, the range fits in 32 bits */
    { LNX("{'type':'user'}", ",'uidMappings':[{'containerID':4294967295,'hostID':0,'size':1}],"
                             "'gidMappings':[{'containerID':0,'hostID':4294967294,'size':2}]"),
      NULL },
    { LNX("{'type':'user'}", ",'uidMappings':[{'containerID':4294967295,'hostID':0,'size':2}],"
                             "'gidMappings':[{'containerID':0,'hostID':0,'size':1}]"),
      "config.json: linux.uidMappings[0]: the range of 2 IDs from 4294967295 (container) or 0 (host) goes beyond "
      "4294967295" },
    { LNX("{'type':'user'}", ",'uidMappings':[{'containerID':0,'hostID':0,'size':1}],"
                             "'gidMappings':[{'containerID':0,'hostID':4294967295,'size':2}]"),
      "config.json: linux.gidMappings[0]: the range of 2 IDs from 0 (container) or 4294967295 (host) goes beyond "
      "4294967295" },
    { LNX("{'type':'user'}", ",'uidMappings':[{'containerID':0,'hostID':0,'size':0}],"
                             "'gidMappings':[{'containerID':0,'hostID':0,'size':1}]"),
      "config.json: linux.uidMappings[0].size: expected at least 1 ID, got 0" },
    { LNX("{'type':'user'}", ",'uidMappings':[{'containerID':0,'hostID':0,'size':4294967296}]"),
      "config.json: linux.uidMappings[0].size: expected an unsigned 32-bit integer, got 4294967296" },
    { CFG("", ",'mounts':[{'destination':'/m','uidMappings':[{'containerID':0,'hostID':0,'size':0}]}]"),
      "config.json: mounts[0].uidMappings[0].size: expected at least 1 ID, got 0" },
    /* time offsets */
    { LNX("{'type':'time'}", ",'timeOffsets':{'monotonic':{'secs':-9223372036854775808,'nanosecs':999999999}}"), NULL },
    { LNX("{'type':'time'}", ",'timeOffsets':{'monotonic':{'secs':1,'nanosecs':1000000000}}"),
      "config.json: linux.timeOffsets[\"monotonic\"].nanosecs: expected less than 1000000000 nanoseconds, got 1000000000" },
    { LNX("{'type':'time'}", ",'timeOffsets':{'boottime':{'nanosecs':4294967296}}"),
      "config.json: linux.timeOffsets[\"boottime\"].nanosecs: expected an unsigned 32-bit integer, got 4294967296" },
    { LNX("{'type':'time'}", ",'timeOffsets':{'boottime':{'secs':-9223372036854775809}}"),
      "config.json: linux.timeOffsets[\"boottime\"].secs: expected a 64-bit integer, got -9223372036854775809" },
    /* devices: dev_t holds 12 bits of major and 20 of minor */
    { LNX("", ",'devices':[{'path':'/dev/x','type':'c','major':4095,'minor':1048575,'fileMode':4294967295,"
              "'uid':4294967295,'gid':0}]"),
      NULL },
    { LNX("", ",'devices':[{'path':'/dev/x','type':'c','major':4096,'minor':0}]"),
      "config.json: linux.devices[0].major: expected a number between 0 and 4095, got 4096" },
    { LNX("", ",'devices':[{'path':'/dev/x','type':'b','major':0,'minor':1048576}]"),
      "config.json: linux.devices[0].minor: expected a number between 0 and 1048575, got 1048576" },
    { LNX("", ",'devices':[{'path':'/dev/x','type':'u','major':-1,'minor':0}]"),
      "config.json: linux.devices[0].major: expected a number between 0 and 4095, got -1" },
    { LNX("", ",'devices':[{'path':'/dev/x','type':'c','major':1,'minor':3,'fileMode':4294967296}]"),
      "config.json: linux.devices[0].fileMode: expected an unsigned 32-bit integer, got 4294967296" },
    /* resources */
    { RES("'memory':{'limit':-1,'reservation':-1,'swap':-1}"), NULL },
    { RES("'memory':{'limit':9223372036854775807,'swap':9223372036854775807}"), NULL },
    { RES("'memory':{'limit':-2}"),
      "config.json: linux.resources.memory.limit: expected a number of bytes or -1 for unlimited, got -2" },
    { RES("'memory':{'reservation':-2}"),
      "config.json: linux.resources.memory.reservation: expected a number of bytes or -1 for unlimited, got -2" },
    { RES("'memory':{'swap':-2}"),
      "config.json: linux.resources.memory.swap: expected a number of bytes or -1 for unlimited, got -2" },
    { RES("'memory':{'limit':9223372036854775808}"),
      "config.json: linux.resources.memory.limit: expected a 64-bit integer, got 9223372036854775808" },
    { RES("'memory':{'limit':1048576,'swap':1048576}"), NULL },
    { RES("'memory':{'limit':1048576,'swap':1048575}"),
      "config.json: linux.resources.memory.swap: the memory+swap limit 1048575 must not be lower than the memory limit "
      "1048576" },
    { RES("'memory':{'limit':1048576,'swap':-1}"), NULL },
    { RES("'memory':{'swappiness':100}"), NULL },
    { RES("'memory':{'swappiness':18446744073709551615}"), NULL },
    { RES("'memory':{'swappiness':101}"),
      "config.json: linux.resources.memory.swappiness: expected a value between 0 and 100, got 101" },
    { RES("'memory':{'swappiness':-1}"),
      "config.json: linux.resources.memory.swappiness: expected an unsigned 64-bit integer, got -1" },
    { RES("'cpu':{'quota':-1,'realtimeRuntime':-1,'idle':1,'shares':18446744073709551615}"), NULL },
    { RES("'cpu':{'quota':-2}"),
      "config.json: linux.resources.cpu.quota: expected microseconds per period or -1 for unlimited, got -2" },
    { RES("'cpu':{'realtimeRuntime':-2}"),
      "config.json: linux.resources.cpu.realtimeRuntime: expected microseconds per period or -1 for unlimited, got -2" },
    { RES("'cpu':{'idle':2}"), "config.json: linux.resources.cpu.idle: expected 0 or 1, got 2" },
    { RES("'cpu':{'idle':-1}"), "config.json: linux.resources.cpu.idle: expected 0 or 1, got -1" },
    { RES("'cpu':{'period':-1}"), "config.json: linux.resources.cpu.period: expected an unsigned 64-bit integer, got -1" },
    { RES("'pids':{'limit':-1}"), NULL },
    { RES("'pids':{'limit':0}"), NULL },
    { RES("'pids':{'limit':-2}"),
      "config.json: linux.resources.pids.limit: expected a number of processes or -1 for unlimited, got -2" },
    { RES("'blockIO':{'weight':10,'leafWeight':1000}"), NULL },
    { RES("'blockIO':{'weight':0}"), NULL },
    { RES("'blockIO':{'weight':9}"), "config.json: linux.resources.blockIO.weight: expected a weight between 10 and 1000, got 9" },
    { RES("'blockIO':{'leafWeight':1001}"),
      "config.json: linux.resources.blockIO.leafWeight: expected a weight between 10 and 1000, got 1001" },
    { RES("'blockIO':{'weight':65536}"),
      "config.json: linux.resources.blockIO.weight: expected an unsigned 16-bit integer, got 65536" },
    { RES("'blockIO':{'weightDevice':[{'major':8,'minor':0,'weight':1001}]}"),
      "config.json: linux.resources.blockIO.weightDevice[0].weight: expected a weight between 10 and 1000, got 1001" },
    { RES("'blockIO':{'throttleReadBpsDevice':[{'major':4294967295,'minor':0,'rate':18446744073709551615}]}"), NULL },
    { RES("'blockIO':{'throttleReadBpsDevice':[{'major':4294967296,'minor':0,'rate':1}]}"),
      "config.json: linux.resources.blockIO.throttleReadBpsDevice[0].major: expected a device number between 0 and "
      "4294967295, got 4294967296" },
    { RES("'blockIO':{'throttleWriteIOPSDevice':[{'major':8,'minor':-1,'rate':1}]}"),
      "config.json: linux.resources.blockIO.throttleWriteIOPSDevice[0].minor: expected a device number between 0 and "
      "4294967295, got -1" },
    { RES("'devices':[{'allow':true,'type':'c','major':-1,'minor':4294967295,'access':'m'}]"), NULL },
    { RES("'devices':[{'allow':true,'type':'c','major':-2,'access':'m'}]"),
      "config.json: linux.resources.devices[0].major: expected a device number between 0 and 4294967295 (or -1 for "
      "all), got -2" },
    { RES("'devices':[{'allow':true,'type':'c','minor':4294967296,'access':'m'}]"),
      "config.json: linux.resources.devices[0].minor: expected a device number between 0 and 4294967295 (or -1 for "
      "all), got 4294967296" },
    { RES("'network':{'classID':4294967295,'priorities':[{'name':'eth0','priority':4294967295}]}"), NULL },
    { RES("'network':{'classID':4294967296}"),
      "config.json: linux.resources.network.classID: expected an unsigned 32-bit integer, got 4294967296" },
    { RES("'network':{'priorities':[{'name':'eth0','priority':4294967296}]}"),
      "config.json: linux.resources.network.priorities[0].priority: expected an unsigned 32-bit integer, got 4294967296" },
    { RES("'rdma':{'mlx5_1':{'hcaHandles':4294967295,'hcaObjects':0}}"), NULL },
    { RES("'rdma':{'mlx5_1':{'hcaHandles':4294967296}}"),
      "config.json: linux.resources.rdma[\"mlx5_1\"].hcaHandles: expected an unsigned 32-bit integer, got 4294967296" },
    { RES("'hugepageLimits':[{'pageSize':'1GB','limit':18446744073709551615}]"), NULL },
    { RES("'hugepageLimits':[{'pageSize':'1GB','limit':-1}]"),
      "config.json: linux.resources.hugepageLimits[0].limit: expected an unsigned 64-bit integer, got -1" },
    /* seccomp */
    { LNX("", ",'seccomp':{'defaultAction':'SCMP_ACT_ERRNO','defaultErrnoRet':4294967295,'syscalls':[{'names':['a'],"
              "'action':'SCMP_ACT_ALLOW','args':[{'index':5,'value':18446744073709551615,'op':'SCMP_CMP_EQ'}]}]}"),
      NULL },
    { LNX("", ",'seccomp':{'defaultAction':'SCMP_ACT_ALLOW','syscalls':[{'names':['a'],'action':'SCMP_ACT_ALLOW',"
              "'args':[{'index':6,'value':0,'op':'SCMP_CMP_EQ'}]}]}"),
      "config.json: linux.seccomp.syscalls[0].args[0].index: expected an argument index between 0 and 5, got 6" },
    { LNX("", ",'seccomp':{'defaultAction':'SCMP_ACT_ERRNO','defaultErrnoRet':4294967296}"),
      "config.json: linux.seccomp.defaultErrnoRet: expected an unsigned 32-bit integer, got 4294967296" },
};

static void ranges(void **state) { RUN(range_cases); }

/* ------------------------------------------------------------------------ */
/* Required fields. */

static const struct tcase required_cases[] = {
    { "{'root':{'path':'r'},'process':{'cwd':'/','args':['sh']}}", "config.json: missing required field \"ociVersion\"" },
    { "{'ociVersion':'1.0.0','process':{'cwd':'/','args':['sh']}}", "config.json: missing required field \"root\"" },
    { "{'ociVersion':'1.0.0','root':{},'process':{'cwd':'/','args':['sh']}}",
      "config.json: root: missing required field \"path\"" },
    { "{'ociVersion':'1.0.0','root':{'path':''},'process':{'cwd':'/','args':['sh']}}",
      "config.json: root.path: expected the path of the root filesystem, got \"\"" },
    { "{'ociVersion':'1.0.0','root':{'path':'r'}}", "config.json: missing required field \"process\"" },
    { "{'ociVersion':'1.0.0','root':{'path':'r'},'process':{'args':['sh']}}",
      "config.json: process: missing required field \"cwd\"" },
    { "{'ociVersion':'1.0.0','root':{'path':'r'},'process':{'cwd':'/'}}",
      "config.json: process.args: expected at least one element (the program to run)" },
    { "{'ociVersion':'1.0.0','root':{'path':'r'},'process':{'cwd':'/','args':[]}}",
      "config.json: process.args: expected at least one element (the program to run)" },
    { "{'ociVersion':'1.0.0','root':{'path':'r'},'process':{'cwd':'/','args':['']}}",
      "config.json: process.args[0]: expected the program to run, got \"\"" },
    { CFG(",'user':{'uid':0}", ""), "config.json: process.user: missing required field \"gid\"" },
    { CFG(",'user':{'gid':0}", ""), "config.json: process.user: missing required field \"uid\"" },
    { CFG(",'user':{}", ""), "config.json: process.user: missing required field \"uid\"" },
    { CFG(",'terminal':true,'consoleSize':{'width':80}", ""), "config.json: process.consoleSize: missing required field \"height\"" },
    { CFG(",'terminal':true,'consoleSize':{'height':80}", ""), "config.json: process.consoleSize: missing required field \"width\"" },
    { CFG(",'rlimits':[{'soft':1,'hard':1}]", ""), "config.json: process.rlimits[0]: missing required field \"type\"" },
    { CFG(",'rlimits':[{'type':'RLIMIT_NOFILE','hard':1}]", ""), "config.json: process.rlimits[0]: missing required field \"soft\"" },
    { CFG(",'rlimits':[{'type':'RLIMIT_NOFILE','soft':1}]", ""), "config.json: process.rlimits[0]: missing required field \"hard\"" },
    { CFG(",'scheduler':{'nice':1}", ""), "config.json: process.scheduler: missing required field \"policy\"" },
    { CFG(",'ioPriority':{'priority':1}", ""), "config.json: process.ioPriority: missing required field \"class\"" },
    { CFG(",'ioPriority':{'class':'IOPRIO_CLASS_BE'}", ""), "config.json: process.ioPriority: missing required field \"priority\"" },
    { CFG("", ",'mounts':[{'type':'tmpfs','source':'tmpfs'}]"), "config.json: mounts[0]: missing required field \"destination\"" },
    { CFG("", ",'mounts':[{'destination':''}]"), "config.json: mounts[0].destination: expected a path in the container, got \"\"" },
    { CFG("", ",'mounts':[{'destination':'/m','uidMappings':[{'containerID':0,'hostID':0}]}]"),
      "config.json: mounts[0].uidMappings[0]: missing required field \"size\"" },
    { CFG("", ",'hooks':{'prestart':[{'args':['x']}]}"), "config.json: hooks.prestart[0]: missing required field \"path\"" },
    { LNX("{'path':'/proc/1/ns/pid'}", ""), "config.json: linux.namespaces[0]: missing required field \"type\"" },
    { LNX("{'type':'user'}", ",'uidMappings':[{'hostID':0,'size':1}]"),
      "config.json: linux.uidMappings[0]: missing required field \"containerID\"" },
    { LNX("{'type':'user'}", ",'gidMappings':[{'containerID':0,'size':1}]"),
      "config.json: linux.gidMappings[0]: missing required field \"hostID\"" },
    { LNX("", ",'devices':[{'path':'/dev/x'}]"), "config.json: linux.devices[0]: missing required field \"type\"" },
    { LNX("", ",'devices':[{'type':'c'}]"), "config.json: linux.devices[0]: missing required field \"path\"" },
    { LNX("", ",'devices':[{'path':'/dev/x','type':'c','minor':1}]"),
      "config.json: linux.devices[0]: missing required field \"major\" (needed for type \"c\")" },
    { LNX("", ",'devices':[{'path':'/dev/x','type':'b','major':1}]"),
      "config.json: linux.devices[0]: missing required field \"minor\" (needed for type \"b\")" },
    { LNX("", ",'devices':[{'path':'/dev/x','type':'u','major':1}]"),
      "config.json: linux.devices[0]: missing required field \"minor\" (needed for type \"u\")" },
    { LNX("", ",'devices':[{'path':'/dev/x','type':'p'}]"), NULL },
    { RES("'devices':[{'access':'rwm'}]"), "config.json: linux.resources.devices[0]: missing required field \"allow\"" },
    { RES("'devices':[{'allow':null}]"), "config.json: linux.resources.devices[0]: missing required field \"allow\"" },
    { RES("'hugepageLimits':[{'limit':1}]"), "config.json: linux.resources.hugepageLimits[0]: missing required field \"pageSize\"" },
    { RES("'hugepageLimits':[{'pageSize':'2MB'}]"), "config.json: linux.resources.hugepageLimits[0]: missing required field \"limit\"" },
    { RES("'network':{'priorities':[{'priority':1}]}"),
      "config.json: linux.resources.network.priorities[0]: missing required field \"name\"" },
    { RES("'network':{'priorities':[{'name':'eth0'}]}"),
      "config.json: linux.resources.network.priorities[0]: missing required field \"priority\"" },
    { RES("'blockIO':{'weightDevice':[{'minor':0,'weight':10}]}"),
      "config.json: linux.resources.blockIO.weightDevice[0]: missing required field \"major\"" },
    { RES("'blockIO':{'weightDevice':[{'major':8,'minor':0}]}"),
      "config.json: linux.resources.blockIO.weightDevice[0]: expected at least one of \"weight\" and \"leafWeight\"" },
    { RES("'blockIO':{'throttleReadBpsDevice':[{'major':8,'minor':0}]}"),
      "config.json: linux.resources.blockIO.throttleReadBpsDevice[0]: missing required field \"rate\"" },
    { RES("'pids':{}"), NULL },
    { LNX("", ",'seccomp':{'syscalls':[]}"), "config.json: linux.seccomp: missing required field \"defaultAction\"" },
    { LNX("", ",'seccomp':{'defaultAction':'SCMP_ACT_ALLOW','syscalls':[{'action':'SCMP_ACT_ALLOW'}]}"),
      "config.json: linux.seccomp.syscalls[0]: missing required field \"names\"" },
    { LNX("", ",'seccomp':{'defaultAction':'SCMP_ACT_ALLOW','syscalls':[{'names':[],'action':'SCMP_ACT_ALLOW'}]}"),
      "config.json: linux.seccomp.syscalls[0].names: expected at least one syscall name" },
    { LNX("", ",'seccomp':{'defaultAction':'SCMP_ACT_ALLOW','syscalls':[{'names':['read']}]}"),
      "config.json: linux.seccomp.syscalls[0]: missing required field \"action\"" },
    { LNX("", ",'seccomp':{'defaultAction':'SCMP_ACT_ALLOW','syscalls':[{'names':['read'],'action':'SCMP_ACT_ALLOW',"
              "'args':[{'index':0,'op':'SCMP_CMP_EQ'}]}]}"),
      "config.json: linux.seccomp.syscalls[0].args[0]: missing required field \"value\"" },
    { LNX("", ",'seccomp':{'defaultAction':'SCMP_ACT_ALLOW','syscalls':[{'names':['read'],'action':'SCMP_ACT_ALLOW',"
              "'args':[{'index':0,'value':0}]}]}"),
      "config.json: linux.seccomp.syscalls[0].args[0]: missing required field \"op\"" },
    { LNX("", ",'personality':{'flags':[]}"), "config.json: linux.personality: missing required field \"domain\"" },
    { LNX("", ",'memoryPolicy':{'nodes':'0'}"), "config.json: linux.memoryPolicy: missing required field \"mode\"" },
};

static void required_fields(void **state) { RUN(required_cases); }

/* ------------------------------------------------------------------------ */
/* Duplicates. */

static const struct tcase duplicate_cases[] = {
    { LNX("{'type':'pid'},{'type':'mount'},{'type':'pid','path':'/proc/1/ns/pid'}", ""),
      "config.json: linux.namespaces[2].type: duplicate namespace \"pid\" (also in linux.namespaces[0])" },
    { LNX("{'type':'pid'},{'type':'mount'},{'type':'network'},{'type':'ipc'},{'type':'uts'},{'type':'cgroup'},"
          "{'type':'time'}",
          ""),
      NULL },
    { CFG(",'rlimits':[{'type':'RLIMIT_NOFILE','soft':1,'hard':1},{'type':'RLIMIT_CORE','soft':1,'hard':1},"
          "{'type':'RLIMIT_NOFILE','soft':2,'hard':2}]",
          ""),
      "config.json: process.rlimits[2].type: duplicate rlimit \"RLIMIT_NOFILE\" (also in process.rlimits[0])" },
    /* A repeated JSON member: the last one counts, as in Go. */
    { "{'ociVersion':'0.1','ociVersion':'1.0.0','root':{'path':'r'},'process':{'cwd':'/','args':['sh']}}", NULL },
    { "{'ociVersion':'1.0.0','ociVersion':'2.0.0','root':{'path':'r'},'process':{'cwd':'/','args':['sh']}}",
      "config.json: ociVersion: unsupported version \"2.0.0\" (congo implements runtime-spec 1.2 and takes any 1.x "
      "configuration)" },
    { "{'ociVersion':'1.0.0','root':{'path':'r'},'process':{'cwd':'/','args':['sh']},'hostname':5,'hostname':null}",
      NULL },
};

static void duplicates(void **state) { RUN(duplicate_cases); }

/* ------------------------------------------------------------------------ */
/* Enumerations. */

static const struct tcase enum_cases[] = {
    { LNX("{'type':'pid'},{'type':'mount'},{'type':'foo'}", ""),
      "config.json: linux.namespaces[2].type: unknown namespace \"foo\" (expected one of pid, network, mount, ipc, uts, "
      "user, cgroup, time)" },
    { LNX("{'type':'net'}", ""),
      "config.json: linux.namespaces[0].type: unknown namespace \"net\" (expected one of pid, network, mount, ipc, uts, "
      "user, cgroup, time)" },
    { LNX("{'type':'PID'}", ""),
      "config.json: linux.namespaces[0].type: unknown namespace \"PID\" (expected one of pid, network, mount, ipc, uts, "
      "user, cgroup, time)" },
    { CFG(",'rlimits':[{'type':'RLIMIT_FOO','soft':1,'hard':1}]", ""),
      "config.json: process.rlimits[0].type: unknown rlimit \"RLIMIT_FOO\" (expected one of RLIMIT_AS, RLIMIT_CORE, "
      "RLIMIT_CPU, RLIMIT_DATA, RLIMIT_FSIZE, RLIMIT_LOCKS, RLIMIT_MEMLOCK, RLIMIT_MSGQUEUE, RLIMIT_NICE, RLIMIT_NOFILE, "
      "RLIMIT_NPROC, RLIMIT_RSS, RLIMIT_RTPRIO, RLIMIT_RTTIME, RLIMIT_SIGPENDING, RLIMIT_STACK)" },
    { CFG(",'rlimits':[{'type':'nofile','soft':1,'hard':1}]", ""),
      "config.json: process.rlimits[0].type: unknown rlimit \"nofile\" (expected one of RLIMIT_AS, RLIMIT_CORE, "
      "RLIMIT_CPU, RLIMIT_DATA, RLIMIT_FSIZE, RLIMIT_LOCKS, RLIMIT_MEMLOCK, RLIMIT_MSGQUEUE, RLIMIT_NICE, RLIMIT_NOFILE, "
      "RLIMIT_NPROC, RLIMIT_RSS, RLIMIT_RTPRIO, RLIMIT_RTTIME, RLIMIT_SIGPENDING, RLIMIT_STACK)" },
    { CFG(",'rlimits':[{'type':'RLIMIT_AS','soft':1,'hard':1},{'type':'RLIMIT_CPU','soft':1,'hard':1},"
          "{'type':'RLIMIT_DATA','soft':1,'hard':1},{'type':'RLIMIT_FSIZE','soft':1,'hard':1},"
          "{'type':'RLIMIT_LOCKS','soft':1,'hard':1},{'type':'RLIMIT_MEMLOCK','soft':1,'hard':1},"
          "{'type':'RLIMIT_MSGQUEUE','soft':1,'hard':1},{'type':'RLIMIT_NICE','soft':1,'hard':1},"
          "{'type':'RLIMIT_NPROC','soft':1,'hard':1},{'type':'RLIMIT_RSS','soft':1,'hard':1},"
          "{'type':'RLIMIT_RTPRIO','soft':1,'hard':1},{'type':'RLIMIT_RTTIME','soft':1,'hard':1},"
          "{'type':'RLIMIT_SIGPENDING','soft':1,'hard':1},{'type':'RLIMIT_STACK','soft':1,'hard':1}]",
          ""),
      NULL },
    { CFG(",'capabilities':{'bounding':['CAP_CHOWN','CAP_CHECKPOINT_RESTORE','CAP_BPF','CAP_PERFMON']}", ""), NULL },
    { CFG(",'capabilities':{'bounding':['CAP_CHOWN','CAP_FOO']}", ""),
      "config.json: process.capabilities.bounding[1]: unknown capability \"CAP_FOO\" (expected a name from "
      "capabilities(7) such as \"CAP_CHOWN\")" },
    { CFG(",'capabilities':{'effective':['cap_chown']}", ""),
      "config.json: process.capabilities.effective[0]: unknown capability \"cap_chown\" (expected a name from "
      "capabilities(7) such as \"CAP_CHOWN\")" },
    { CFG(",'capabilities':{'inheritable':['SYS_ADMIN']}", ""),
      "config.json: process.capabilities.inheritable[0]: unknown capability \"SYS_ADMIN\" (expected a name from "
      "capabilities(7) such as \"CAP_CHOWN\")" },
    { CFG(",'capabilities':{'permitted':['21']}", ""),
      "config.json: process.capabilities.permitted[0]: unknown capability \"21\" (expected a name from "
      "capabilities(7) such as \"CAP_CHOWN\")" },
    { CFG(",'capabilities':{'ambient':['CAP_SYS_ADMIN ']}", ""),
      "config.json: process.capabilities.ambient[0]: unknown capability \"CAP_SYS_ADMIN \" (expected a name from "
      "capabilities(7) such as \"CAP_CHOWN\")" },
    { CFG(",'scheduler':{'policy':'SCHED_NORMAL'}", ""),
      "config.json: process.scheduler.policy: unknown scheduling policy \"SCHED_NORMAL\" (expected one of SCHED_OTHER, "
      "SCHED_FIFO, SCHED_RR, SCHED_BATCH, SCHED_ISO, SCHED_IDLE, SCHED_DEADLINE)" },
    { CFG(",'scheduler':{'policy':'SCHED_IDLE','flags':['SCHED_FLAG_RECLAIM','SCHED_FLAG_BOGUS']}", ""),
      "config.json: process.scheduler.flags[1]: unknown scheduler flag \"SCHED_FLAG_BOGUS\" (expected one of "
      "SCHED_FLAG_RESET_ON_FORK, SCHED_FLAG_RECLAIM, SCHED_FLAG_DL_OVERRUN, SCHED_FLAG_KEEP_POLICY, "
      "SCHED_FLAG_KEEP_PARAMS, SCHED_FLAG_UTIL_CLAMP_MIN, SCHED_FLAG_UTIL_CLAMP_MAX)" },
    { CFG(",'ioPriority':{'class':'IOPRIO_CLASS_NONE','priority':0}", ""),
      "config.json: process.ioPriority.class: unknown I/O priority class \"IOPRIO_CLASS_NONE\" (expected one of "
      "IOPRIO_CLASS_RT, IOPRIO_CLASS_BE, IOPRIO_CLASS_IDLE)" },
    { LNX("", ",'rootfsPropagation':'rshared'"), NULL },
    { LNX("", ",'rootfsPropagation':'runbindable'"), NULL },
    { LNX("", ",'rootfsPropagation':''"), NULL },
    { LNX("", ",'rootfsPropagation':'rslaved'"),
      "config.json: linux.rootfsPropagation: unknown propagation \"rslaved\" (expected one of shared, rshared, slave, "
      "rslave, private, rprivate, unbindable, runbindable)" },
    { LNX("", ",'devices':[{'path':'/dev/x','type':'s','major':1,'minor':1}]"),
      "config.json: linux.devices[0].type: unknown device type \"s\" (expected one of c, b, u, p)" },
    { RES("'devices':[{'allow':true,'type':'p','access':'rwm'}]"),
      "config.json: linux.resources.devices[0].type: unknown device type \"p\" (expected one of a, c, b)" },
    { RES("'devices':[{'allow':true,'type':'a','access':'rwm'},{'allow':false,'access':'r'}]"), NULL },
    /* Letters other than r, w and m are ignored (runc), with a warning when applied. */
    { RES("'devices':[{'allow':true,'access':'rwx'}]"), NULL },
    { RES("'devices':[{'allow':true,'access':''}]"),
      "config.json: linux.resources.devices[0].access: expected a combination of r, w and m, got \"\"" },
    { LNX("", ",'seccomp':{'defaultAction':'SCMP_ACT_DENY'}"),
      "config.json: linux.seccomp.defaultAction: unknown action \"SCMP_ACT_DENY\" (expected one of SCMP_ACT_KILL, "
      "SCMP_ACT_KILL_PROCESS, SCMP_ACT_KILL_THREAD, SCMP_ACT_TRAP, SCMP_ACT_ERRNO, SCMP_ACT_TRACE, SCMP_ACT_ALLOW, "
      "SCMP_ACT_LOG, SCMP_ACT_NOTIFY)" },
    { LNX("", ",'seccomp':{'defaultAction':'SCMP_ACT_ALLOW','syscalls':[{'names':['a'],'action':'allow'}]}"),
      "config.json: linux.seccomp.syscalls[0].action: unknown action \"allow\" (expected one of SCMP_ACT_KILL, "
      "SCMP_ACT_KILL_PROCESS, SCMP_ACT_KILL_THREAD, SCMP_ACT_TRAP, SCMP_ACT_ERRNO, SCMP_ACT_TRACE, SCMP_ACT_ALLOW, "
      "SCMP_ACT_LOG, SCMP_ACT_NOTIFY)" },
    { LNX("", ",'seccomp':{'defaultAction':'SCMP_ACT_ALLOW','syscalls':[{'names':['a'],'action':'SCMP_ACT_LOG',"
              "'args':[{'index':0,'value':0,'op':'SCMP_CMP_NOT'}]}]}"),
      "config.json: linux.seccomp.syscalls[0].args[0].op: unknown operator \"SCMP_CMP_NOT\" (expected one of "
      "SCMP_CMP_NE, SCMP_CMP_LT, SCMP_CMP_LE, SCMP_CMP_EQ, SCMP_CMP_GE, SCMP_CMP_GT, SCMP_CMP_MASKED_EQ)" },
    { LNX("", ",'personality':{'domain':'LINUX32'}"), NULL },
    { LNX("", ",'personality':{'domain':'LINUX64'}"),
      "config.json: linux.personality.domain: unknown domain \"LINUX64\" (expected LINUX or LINUX32)" },
    { LNX("", ",'memoryPolicy':{'mode':'MPOL_BIND','nodes':'0-1','flags':['MPOL_F_RELATIVE_NODES','MPOL_F_NUMA_BALANCING']}"),
      NULL },
    { LNX("", ",'memoryPolicy':{'mode':'MPOL_LOCAL'}"), NULL },
    { LNX("", ",'memoryPolicy':{'mode':'MPOL_BOUND','nodes':'0'}"),
      "config.json: linux.memoryPolicy.mode: unknown mode \"MPOL_BOUND\" (expected one of MPOL_DEFAULT, MPOL_PREFERRED, "
      "MPOL_BIND, MPOL_INTERLEAVE, MPOL_LOCAL, MPOL_PREFERRED_MANY, MPOL_WEIGHTED_INTERLEAVE)" },
    { LNX("", ",'memoryPolicy':{'mode':'MPOL_BIND','nodes':'0','flags':['MPOL_F_X']}"),
      "config.json: linux.memoryPolicy.flags[0]: unknown flag \"MPOL_F_X\" (expected one of MPOL_F_STATIC_NODES, "
      "MPOL_F_RELATIVE_NODES, MPOL_F_NUMA_BALANCING)" },
    { LNX("", ",'memoryPolicy':{'mode':'MPOL_BIND'}"),
      "config.json: linux.memoryPolicy.nodes: MPOL_BIND needs at least one memory node" },
    { LNX("", ",'memoryPolicy':{'mode':'MPOL_DEFAULT','nodes':'1'}"),
      "config.json: linux.memoryPolicy.nodes: MPOL_DEFAULT takes no nodes, got \"1\"" },
    { LNX("", ",'memoryPolicy':{'mode':'MPOL_PREFERRED','nodes':'0-'}"),
      "config.json: linux.memoryPolicy.nodes: expected a list of memory nodes such as \"0-3,7\", got \"0-\"" },
    { LNX("{'type':'time'}", ",'timeOffsets':{'realtime':{'secs':1}}"),
      "config.json: linux.timeOffsets[\"realtime\"]: unknown clock (expected monotonic or boottime)" },
    { "{'ociVersion':'2.0.0','root':{'path':'r'},'process':{'cwd':'/','args':['sh']}}",
      "config.json: ociVersion: unsupported version \"2.0.0\" (congo implements runtime-spec 1.2 and takes any 1.x "
      "configuration)" },
    { "{'ociVersion':'0.5.0-dev','root':{'path':'r'},'process':{'cwd':'/','args':['sh']}}",
      "config.json: ociVersion: unsupported version \"0.5.0-dev\" (congo implements runtime-spec 1.2 and takes any 1.x "
      "configuration)" },
    { "{'ociVersion':'','root':{'path':'r'},'process':{'cwd':'/','args':['sh']}}",
      "config.json: ociVersion: unsupported version \"\" (congo implements runtime-spec 1.2 and takes any 1.x "
      "configuration)" },
    { "{'ociVersion':'1.x','root':{'path':'r'},'process':{'cwd':'/','args':['sh']}}",
      "config.json: ociVersion: unsupported version \"1.x\" (congo implements runtime-spec 1.2 and takes any 1.x "
      "configuration)" },
    { "{'ociVersion':'1.0.2-dev','root':{'path':'r'},'process':{'cwd':'/','args':['sh']}}", NULL },
    { "{'ociVersion':'1.3.0+build.7','root':{'path':'r'},'process':{'cwd':'/','args':['sh']}}", NULL },
    { "{'ociVersion':'1.0','root':{'path':'r'},'process':{'cwd':'/','args':['sh']}}", NULL },
    { "{'ociVersion':'10.0.0','root':{'path':'r'},'process':{'cwd':'/','args':['sh']}}",
      "config.json: ociVersion: unsupported version \"10.0.0\" (congo implements runtime-spec 1.2 and takes any 1.x "
      "configuration)" },
};

static void enums(void **state) { RUN(enum_cases); }

/* ------------------------------------------------------------------------ */
/* Unknown fields are ignored at every level, whatever their type. */

static const struct tcase unknown_field_cases[] = {
    { CFG(",'x-extension':{'a':[1,2,{'b':null}]},'Cwd':5", ",'platform':{'os':'linux','arch':'amd64'},'windows':[],"
                                                          "'zos':7,'ociversion':3"),
      NULL },
    { LNX("{'type':'pid','extra':true}", ",'future':{'x':1},'resources':{'future':[],'memory':{'future':'x'},"
                                        "'devices':[{'allow':false,'access':'rwm','x':[]}]}"),
      NULL },
    { CFG(",'rlimits':[{'type':'RLIMIT_CORE','soft':1,'hard':1,'comment':'x'}],'user':{'uid':0,'gid':0,'sid':'S-1'}",
          ",'hooks':{'preStart':5,'poststop':[{'path':'/bin/true','when':'always'}]},'root':{'path':'r','x':1}"),
      NULL },
    /* And a known field of the wrong type inside an unknown one is not looked at. */
    { CFG("", ",'vm':{'hypervisor':{'path':5}}"), NULL },
};

static void unknown_fields_ignored(void **state) { RUN(unknown_field_cases); }

/* ------------------------------------------------------------------------ */
/* Whole-document rules. */

static const struct tcase semantic_cases[] = {
    /* process */
    { CFG(",'cwd':'tmp'", ""), "config.json: process.cwd: expected an absolute path, got \"tmp\"" },
    { CFG(",'cwd':''", ""), "config.json: process.cwd: expected an absolute path, got \"\"" },
    { CFG(",'env':['A=1','B=','C==x']", ""), NULL },
    { CFG(",'env':['A=1','FOO']", ""), "config.json: process.env[1]: expected \"NAME=value\", got \"FOO\"" },
    { CFG(",'env':['=x']", ""), "config.json: process.env[0]: expected \"NAME=value\", got \"=x\"" },
    { CFG(",'consoleSize':{'height':25,'width':80}", ""), NULL }, /* ignored without a terminal */
    { CFG(",'execCPUAffinity':{'initial':'0-1,3,5-7','final':'0-15:2/4'}", ""), NULL },
    { CFG(",'execCPUAffinity':{'initial':'3-1'}", ""),
      "config.json: process.execCPUAffinity.initial: expected a list of CPUs such as \"0-3,7\", got \"3-1\"" },
    { CFG(",'execCPUAffinity':{'final':''}", ""),
      "config.json: process.execCPUAffinity.final: expected a list of CPUs such as \"0-3,7\", got \"\"" },
    { CFG(",'execCPUAffinity':{'final':'0,'}", ""),
      "config.json: process.execCPUAffinity.final: expected a list of CPUs such as \"0-3,7\", got \"0,\"" },
    /* hostname and domainname need a UTS namespace (created or joined, as in runc) */
    { CFG("", ",'hostname':'box'"),
      "config.json: hostname: setting the hostname needs a UTS namespace (add {\"type\": \"uts\"} to linux.namespaces)" },
    { CFG("", ",'hostname':''"), NULL },
    { CFG("", ",'hostname':'box','linux':{'namespaces':[{'type':'uts'}]}"), NULL },
    { CFG("", ",'hostname':'box','linux':{'namespaces':[{'type':'uts','path':'/proc/1/ns/uts'}]}"), NULL },
    { CFG("", ",'domainname':'example.test','linux':{'namespaces':[{'type':'pid'}]}"),
      "config.json: domainname: setting the domain name needs a UTS namespace (add {\"type\": \"uts\"} to "
      "linux.namespaces)" },
    /* mounts: relative destinations are deprecated, not refused (runc) */
    { CFG("", ",'mounts':[{'destination':'tmp','type':'tmpfs','source':'tmpfs'}]"), NULL },
    /* hooks */
    { CFG("", ",'hooks':{'prestart':[{'path':'fix-mounts'}]}"),
      "config.json: hooks.prestart[0].path: expected an absolute path, got \"fix-mounts\"" },
    { CFG("", ",'hooks':{'startContainer':[{'path':'/bin/true'},{'path':'./x'}]}"),
      "config.json: hooks.startContainer[1].path: expected an absolute path, got \"./x\"" },
    /* namespaces */
    { LNX("{'type':'network','path':'run/netns/x'}", ""),
      "config.json: linux.namespaces[0].path: expected an absolute path, got \"run/netns/x\"" },
    /* user namespace and mappings */
    { LNX("{'type':'user'}", ""),
      "config.json: linux.uidMappings: a new user namespace needs at least one mapping (or join one with a \"path\")" },
    { LNX("{'type':'user'}", ",'uidMappings':[{'containerID':0,'hostID':1000,'size':1}]"),
      "config.json: linux.gidMappings: a new user namespace needs at least one mapping (or join one with a \"path\")" },
    { LNX("{'type':'user','path':'/proc/1/ns/user'}", ""), NULL },
    { LNX("{'type':'pid'}", ",'uidMappings':[{'containerID':0,'hostID':1000,'size':1}]"),
      "config.json: linux.uidMappings: mappings need a user namespace (add {\"type\": \"user\"} to linux.namespaces)" },
    { LNX("", ",'gidMappings':[{'containerID':0,'hostID':1000,'size':1}]"),
      "config.json: linux.gidMappings: mappings need a user namespace (add {\"type\": \"user\"} to linux.namespaces)" },
    { CFG("", ",'linux':{'uidMappings':[{'containerID':0,'hostID':1000,'size':1}]}"),
      "config.json: linux.uidMappings: mappings need a user namespace (add {\"type\": \"user\"} to linux.namespaces)" },
    /* time namespace */
    { LNX("{'type':'pid'}", ",'timeOffsets':{'monotonic':{'secs':1}}"),
      "config.json: linux.timeOffsets: clock offsets need a new time namespace (add {\"type\": \"time\"} without a path "
      "to linux.namespaces)" },
    { LNX("{'type':'time','path':'/proc/1/ns/time'}", ",'timeOffsets':{'boottime':{'secs':1}}"),
      "config.json: linux.timeOffsets: clock offsets need a new time namespace (add {\"type\": \"time\"} without a path "
      "to linux.namespaces)" },
    { LNX("{'type':'time'}", ",'timeOffsets':{}"), NULL },
    /* devices */
    { LNX("", ",'devices':[{'path':'dev/fuse','type':'c','major':10,'minor':229}]"),
      "config.json: linux.devices[0].path: expected an absolute path, got \"dev/fuse\"" },
    /* netDevices */
    { LNX("{'type':'network'}", ",'netDevices':{'eth1':{'name':'eth0'},'dummy0':{}}"), NULL },
    { LNX("{'type':'pid'}", ",'netDevices':{'eth1':{}}"),
      "config.json: linux.netDevices: moving network devices needs a network namespace (add {\"type\": \"network\"} to "
      "linux.namespaces)" },
    { LNX("{'type':'network'}", ",'netDevices':{'eth1':{'name':'a-name-too-long'}}"), NULL },
    { LNX("{'type':'network'}", ",'netDevices':{'eth1':{'name':'a-name-too-long0'}}"),
      "config.json: linux.netDevices[\"eth1\"].name: expected a network interface name (1 to 15 characters, no '/', "
      "':' or spaces), got \"a-name-too-long0\"" },
    { LNX("{'type':'network'}", ",'netDevices':{'../x':{'name':'eth0'}}"),
      "config.json: linux.netDevices[\"../x\"]: expected a network interface name (1 to 15 characters, no '/', ':' or "
      "spaces)" },
    /* masked and read-only paths */
    { LNX("{'type':'mount'}", ",'maskedPaths':['/proc/kcore'],'readonlyPaths':['/proc/sys']"), NULL },
    { LNX("{'type':'pid'}", ",'maskedPaths':['/proc/kcore']"),
      "config.json: linux: maskedPaths and readonlyPaths need a mount namespace (add {\"type\": \"mount\"} to "
      "linux.namespaces)" },
    { LNX("{'type':'mount'}", ",'maskedPaths':['proc/kcore']"),
      "config.json: linux.maskedPaths[0]: expected an absolute path, got \"proc/kcore\"" },
    { LNX("{'type':'mount'}", ",'readonlyPaths':['/proc/sys','']"),
      "config.json: linux.readonlyPaths[1]: expected an absolute path, got \"\"" },
    { LNX("{'type':'pid'}", ",'maskedPaths':[],'readonlyPaths':[]"), NULL },
    /* resources */
    { RES("'cpu':{'cpus':'','mems':''}"), NULL },
    { RES("'cpu':{'cpus':'0-1,a'}"),
      "config.json: linux.resources.cpu.cpus: expected a list of CPUs such as \"0-3,7\", got \"0-1,a\"" },
    { RES("'cpu':{'mems':' 0'}"),
      "config.json: linux.resources.cpu.mems: expected a list of memory nodes such as \"0-3,7\", got \" 0\"" },
    { RES("'hugepageLimits':[{'pageSize':'2M','limit':1}]"),
      "config.json: linux.resources.hugepageLimits[0].pageSize: expected a size such as \"2MB\" or \"1GB\", got \"2M\"" },
    { RES("'hugepageLimits':[{'pageSize':'0KB','limit':1}]"),
      "config.json: linux.resources.hugepageLimits[0].pageSize: expected a size such as \"2MB\" or \"1GB\", got \"0KB\"" },
    { RES("'network':{'priorities':[{'name':'','priority':1}]}"),
      "config.json: linux.resources.network.priorities[0].name: expected a network interface name, got \"\"" },
    { RES("'unified':{'memory.max':'max','io.weight':'default 100'}"), NULL },
    { RES("'unified':{'../../cgroup.procs':'1'}"),
      "config.json: linux.resources.unified[\"../../cgroup.procs\"]: expected a cgroup file name such as \"memory.max\"" },
    { RES("'unified':{'..':'1'}"),
      "config.json: linux.resources.unified[\"..\"]: expected a cgroup file name such as \"memory.max\"" },
    { RES("'unified':{'tasks':'1'}"),
      "config.json: linux.resources.unified[\"tasks\"]: expected a cgroup file name such as \"memory.max\"" },
    { RES("'memory':{'kernel':1048576,'kernelTCP':1048576}"), NULL }, /* ignored with a warning, as runc */
    /* intelRdt */
    { LNX("", ",'intelRdt':{'closID':'..'}"), "config.json: linux.intelRdt.closID: expected a resctrl group name, got \"..\"" },
    { LNX("", ",'intelRdt':{'closID':'a/b'}"), "config.json: linux.intelRdt.closID: expected a resctrl group name, got \"a/b\"" },
    { LNX("", ",'personality':{'domain':'LINUX','flags':['X']}"), NULL }, /* flags ignored with a warning, as runc */
};

static void whole_document_rules(void **state) { RUN(semantic_cases); }

/* sysctl: only what a namespace of the container isolates (runc's rules). */
static const struct tcase sysctl_cases[] = {
    { LNX("{'type':'network'}", ",'sysctl':{'net.ipv4.ip_forward':'1','net/ipv4/conf/eth0.100/rp_filter':'1',"
                                "'net.ipv4.conf.eth0/100.rp_filter':'1'}"),
      NULL },
    { LNX("{'type':'pid'}", ",'sysctl':{'net.ipv4.ip_forward':'1'}"),
      "config.json: linux.sysctl[\"net.ipv4.ip_forward\"]: not allowed in the host's network namespace (add {\"type\": "
      "\"network\"} to linux.namespaces)" },
    { LNX("{'type':'pid'}", ",'sysctl':{'net/ipv4/ip_forward':'1'}"),
      "config.json: linux.sysctl[\"net/ipv4/ip_forward\"]: not allowed in the host's network namespace (add {\"type\": "
      "\"network\"} to linux.namespaces)" },
    { LNX("{'type':'network','path':'/proc/self/ns/net'}", ",'sysctl':{'net.core.somaxconn':'1'}"),
      "config.json: linux.sysctl[\"net.core.somaxconn\"]: not allowed in the host's network namespace (the network "
      "namespace joined at \"/proc/self/ns/net\" is the host's)" },
    { LNX("{'type':'network','path':'/nonexistent/netns'}", ",'sysctl':{'net.core.somaxconn':'1'}"),
      "config.json: linux.namespaces: network namespace \"/nonexistent/netns\": No such file or directory" },
    { LNX("{'type':'network','path':'/proc/self/ns/net'}", ""), NULL },
    { LNX("{'type':'ipc'}", ",'sysctl':{'kernel.msgmax':'1','kernel.msgmnb':'1','kernel.msgmni':'1','kernel.sem':'1',"
                            "'kernel.shmall':'1','kernel.shmmax':'1','kernel.shmmni':'1','kernel.shm_rmid_forced':'1',"
                            "'fs.mqueue.queues_max':'1','kernel/shmmax':'1'}"),
      NULL },
    { LNX("{'type':'ipc','path':'/proc/1/ns/ipc'}", ",'sysctl':{'kernel.shmmax':'1'}"), NULL },
    { LNX("{'type':'pid'}", ",'sysctl':{'kernel.shmmax':'1'}"),
      "config.json: linux.sysctl[\"kernel.shmmax\"]: not allowed in the host's IPC namespace (add {\"type\": \"ipc\"} "
      "to linux.namespaces)" },
    { LNX("{'type':'network'}", ",'sysctl':{'fs.mqueue.msg_max':'1'}"),
      "config.json: linux.sysctl[\"fs.mqueue.msg_max\"]: not allowed in the host's IPC namespace (add {\"type\": "
      "\"ipc\"} to linux.namespaces)" },
    { LNX("{'type':'uts'}", ",'sysctl':{'kernel.domainname':'example.test'}"), NULL },
    { LNX("{'type':'ipc'}", ",'sysctl':{'kernel.domainname':'example.test'}"),
      "config.json: linux.sysctl[\"kernel.domainname\"]: not allowed in the host's UTS namespace (add {\"type\": "
      "\"uts\"} to linux.namespaces)" },
    { LNX("{'type':'uts'}", ",'sysctl':{'kernel.hostname':'box'}"),
      "config.json: linux.sysctl[\"kernel.hostname\"]: not allowed: set the \"hostname\" field instead" },
    { LNX("{'type':'ipc'},{'type':'network'},{'type':'uts'}", ",'sysctl':{'vm.swappiness':'10'}"),
      "config.json: linux.sysctl[\"vm.swappiness\"]: not allowed: this sysctl is not namespaced (a container may set "
      "net.*, kernel.shm*, kernel.msg*, kernel.sem, fs.mqueue.* and kernel.domainname)" },
    { LNX("{'type':'ipc'}", ",'sysctl':{'kernel.shmmaxx':'1'}"),
      "config.json: linux.sysctl[\"kernel.shmmaxx\"]: not allowed: this sysctl is not namespaced (a container may set "
      "net.*, kernel.shm*, kernel.msg*, kernel.sem, fs.mqueue.* and kernel.domainname)" },
    /* Keys that would name something outside /proc/sys. */
    { LNX("{'type':'network'}", ",'sysctl':{'net/../../etc/passwd':'x'}"),
      "config.json: linux.sysctl[\"net/../../etc/passwd\"]: expected a sysctl name such as \"net.ipv4.ip_forward\"" },
    { LNX("{'type':'network'}", ",'sysctl':{'net..ipv4':'x'}"),
      "config.json: linux.sysctl[\"net..ipv4\"]: expected a sysctl name such as \"net.ipv4.ip_forward\"" },
    { LNX("{'type':'network'}", ",'sysctl':{'/net/ipv4/ip_forward':'1'}"),
      "config.json: linux.sysctl[\"/net/ipv4/ip_forward\"]: expected a sysctl name such as \"net.ipv4.ip_forward\"" },
    { LNX("{'type':'network'}", ",'sysctl':{'':'1'}"),
      "config.json: linux.sysctl[\"\"]: expected a sysctl name such as \"net.ipv4.ip_forward\"" },
};

static void sysctls(void **state) { RUN(sysctl_cases); }

/* ------------------------------------------------------------------------ */
/* oci_config_load */

static void load_errors(void **state)
{
    char dir[] = "/tmp/congo-test-config.XXXXXX", path[256], cmd[300];
    congo_error err = CONGO_ERROR_INIT;
    oci_config *c = NULL;
    char *t;
    int fd;

    assert_non_null(mkdtemp(dir));
    /* Missing. */
    assert_int_equal(oci_config_load(&c, dir, &err), -ENOENT);
    t = congo_error_text(&err);
    snprintf(path, sizeof path, "open `%s/config.json`: No such file or directory", dir);
    assert_string_equal(t, path);
    free(t);
    assert_null(c);

    /* A directory, a FIFO (must not block). */
    snprintf(path, sizeof path, "%s/config.json", dir);
    assert_int_equal(mkdir(path, 0755), 0);
    assert_true(oci_config_load(&c, dir, &err) < 0);
    t = congo_error_text(&err);
    assert_non_null(strstr(t, "config.json` is not a regular file"));
    free(t);
    rmdir(path);
    assert_int_equal(mkfifo(path, 0600), 0);
    assert_true(oci_config_load(&c, dir, &err) < 0);
    t = congo_error_text(&err);
    assert_non_null(strstr(t, "config.json` is not a regular file"));
    free(t);
    unlink(path);

    /* 16 MiB is the limit. */
    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    assert_true(fd >= 0);
    assert_int_equal(ftruncate(fd, (16 << 20) + 1), 0);
    close(fd);
    assert_int_equal(oci_config_load(&c, dir, &err), -EFBIG);
    t = congo_error_text(&err);
    snprintf(cmd, sizeof cmd, "`%s/config.json` is larger than 16 MiB: File too large", dir);
    assert_string_equal(t, cmd);
    free(t);

    /* Bad content names config.json, not the whole path. */
    fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
    assert_int_equal(write(fd, "{\n\"ociVersion\": 1.0\n}", 21), 21);
    close(fd);
    assert_int_equal(oci_config_load(&c, dir, &err), -EINVAL);
    t = congo_error_text(&err);
    assert_string_equal(t, "config.json: ociVersion: expected a string, got 1.0");
    free(t);

    congo_error_clear(&err);
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
}

/* ------------------------------------------------------------------------ */
/* process.json (exec --process) and LinuxResources (update --resources). */

static void process_document(void **state)
{
    _cleanup_free_ char *good = J("{'terminal':true,'user':{'uid':1000,'gid':1000},'args':['ps','aux'],"
                                  "'env':['PATH=/bin'],'cwd':'/','capabilities':{'bounding':['CAP_KILL']},"
                                  "'rlimits':[{'type':'RLIMIT_NOFILE','soft':10,'hard':20}],'noNewPrivileges':true}");
    _cleanup_free_ char *bad_type = J("{'args':['ps'],'cwd':'/','user':{'uid':'x','gid':0}}");
    _cleanup_free_ char *bad_cwd = J("{'args':['ps'],'cwd':'home'}");
    _cleanup_free_ char *no_args = J("{'cwd':'/'}");
    congo_error err = CONGO_ERROR_INIT;
    oci_process *p = NULL;
    char *t;

    assert_int_equal(oci_process_parse(&p, good, strlen(good), "process.json", &err), 0);
    assert_int_equal(oci_process_validate(p, "process.json", &err), 0);
    assert_true(p->terminal);
    assert_int_equal(p->user.uid, 1000);
    assert_string_equal(p->args[1], "aux");
    assert_int_equal(p->rlimits[0].hard, 20);
    oci_process_free(p);
    p = NULL;

    assert_int_equal(oci_process_parse(&p, bad_type, strlen(bad_type), "process.json", &err), -EINVAL);
    t = congo_error_text(&err);
    assert_string_equal(t, "process.json: user.uid: expected an unsigned 32-bit integer, got \"x\"");
    free(t);
    assert_null(p);

    assert_int_equal(oci_process_parse(&p, bad_cwd, strlen(bad_cwd), "process.json", &err), 0);
    assert_int_equal(oci_process_validate(p, "process.json", &err), -EINVAL);
    t = congo_error_text(&err);
    assert_string_equal(t, "process.json: cwd: expected an absolute path, got \"home\"");
    free(t);
    oci_process_free(p);
    p = NULL;

    assert_int_equal(oci_process_parse(&p, no_args, strlen(no_args), "process.json", &err), 0);
    assert_int_equal(oci_process_validate(p, "process.json", &err), -EINVAL);
    t = congo_error_text(&err);
    assert_string_equal(t, "process.json: args: expected at least one element (the program to run)");
    free(t);
    oci_process_free(p);

    assert_int_equal(oci_process_parse(&p, "[]", 2, "process.json", &err), -EINVAL);
    t = congo_error_text(&err);
    assert_string_equal(t, "process.json: expected a JSON object at the top level, got an array");
    free(t);
    congo_error_clear(&err);
}

static void resources_document(void **state)
{
    _cleanup_free_ char *good = J("{'memory':{'limit':1048576,'swap':-1},'cpu':{'shares':512,'cpus':'0'},"
                                  "'pids':{'limit':100},'blockIO':{'weight':500},'unified':{'memory.high':'max'}}");
    _cleanup_free_ char *bad_type = J("{'pids':{'limit':'100'}}");
    _cleanup_free_ char *bad_range = J("{'memory':{'limit':-5}}");
    congo_error err = CONGO_ERROR_INIT;
    oci_resources *r = NULL;
    char *t;

    assert_int_equal(oci_resources_parse(&r, good, strlen(good), "resources.json", &err), 0);
    assert_int_equal(oci_resources_validate(r, "resources.json", &err), 0);
    assert_int_equal(r->memory->limit.value, 1048576);
    assert_int_equal(r->memory->swap.value, -1);
    assert_false(r->memory->reservation.set);
    assert_int_equal(r->cpu->shares.value, 512);
    assert_true(r->has_pids);
    assert_int_equal(r->pids_limit.value, 100);
    assert_int_equal(r->block_io->weight.value, 500);
    assert_string_equal(oci_map_get(&r->unified, "memory.high"), "max");
    assert_null(r->devices);
    assert_false(r->has_network);
    oci_resources_free(r);
    r = NULL;

    assert_int_equal(oci_resources_parse(&r, bad_type, strlen(bad_type), "resources.json", &err), -EINVAL);
    t = congo_error_text(&err);
    assert_string_equal(t, "resources.json: pids.limit: expected a 64-bit integer, got \"100\"");
    free(t);
    assert_null(r);

    assert_int_equal(oci_resources_parse(&r, bad_range, strlen(bad_range), "resources.json", &err), 0);
    assert_int_equal(oci_resources_validate(r, "resources.json", &err), -EINVAL);
    t = congo_error_text(&err);
    assert_string_equal(t, "resources.json: memory.limit: expected a number of bytes or -1 for unlimited, got -5");
    free(t);
    oci_resources_free(r);

    assert_int_equal(oci_resources_parse(&r, "{", 1, "resources.json", &err), -EINVAL);
    t = congo_error_text(&err);
    assert_string_equal(t, "resources.json: line 1: parse error: premature EOF");
    free(t);
    congo_error_clear(&err);
}

/* ------------------------------------------------------------------------ */
/* Lookups. */

static void name_lookups(void **state)
{
    static const char *const names[] = { "pid", "network", "mount", "ipc", "uts", "user", "cgroup", "time" };
    static const int flags[] = { 0x20000000, 0x40000000, 0x00020000, 0x08000000,
                                 0x04000000, 0x10000000, 0x02000000, 0x00000080 };
    for (int i = 0; i < OCI_NS_COUNT; i++) {
        assert_string_equal(oci_namespace_name(i), names[i]);
        assert_int_equal(oci_namespace_clone_flag(i), flags[i]);
    }
    assert_null(oci_namespace_name(OCI_NS_COUNT));
    assert_int_equal(oci_namespace_clone_flag(OCI_NS_COUNT), 0);

    assert_int_equal(oci_rlimit_from_name("RLIMIT_NOFILE"), RLIMIT_NOFILE);
    assert_int_equal(oci_rlimit_from_name("RLIMIT_RTTIME"), RLIMIT_RTTIME);
    assert_int_equal(oci_rlimit_from_name("RLIMIT_CPU"), RLIMIT_CPU);
    assert_int_equal(oci_rlimit_from_name("rlimit_nofile"), -1);
    assert_int_equal(oci_rlimit_from_name("NOFILE"), -1);
    assert_int_equal(oci_rlimit_from_name(NULL), -1);
    assert_string_equal(oci_rlimit_name(RLIMIT_STACK), "RLIMIT_STACK");
    assert_null(oci_rlimit_name(99));

    assert_int_equal(oci_cap_from_name("CAP_CHOWN"), 0);
    assert_int_equal(oci_cap_from_name("CAP_SYS_ADMIN"), 21);
    assert_int_equal(oci_cap_from_name("CAP_CHECKPOINT_RESTORE"), 40);
    assert_int_equal(oci_cap_from_name("cap_sys_admin"), -1);
    assert_int_equal(oci_cap_from_name("SYS_ADMIN"), -1);
    assert_int_equal(oci_cap_from_name("21"), -1);
    assert_int_equal(oci_cap_from_name("CAP_21"), -1);
    assert_int_equal(oci_cap_from_name("CAP_"), -1);
    assert_int_equal(oci_cap_from_name(""), -1);
    assert_int_equal(oci_cap_from_name(NULL), -1);
}

static void map_and_namespace_lookup(void **state)
{
    _cleanup_config_ oci_config *c =
        parse_ok(LNX("{'type':'pid'},{'type':'ipc'},{'type':'network','path':'/proc/self/ns/net'}",
                     ",'sysctl':{'kernel.shmmax':'1','kernel.shmall':'2','kernel.shmmax':'3'}"));
    const oci_namespace *ns;
    assert_null(oci_map_get(&c->linux_->sysctl, "kernel.sem"));
    assert_string_equal(oci_map_get(&c->linux_->sysctl, "kernel.shmmax"), "3"); /* the last one, as in JSON */
    assert_null(oci_map_get(NULL, "x"));
    assert_null(oci_map_get(&c->linux_->sysctl, NULL));
    assert_string_equal(oci_map_get(&c->linux_->sysctl, "kernel.shmall"), "2");
    ns = oci_config_namespace(c, OCI_NS_NETWORK);
    assert_non_null(ns);
    assert_string_equal(ns->path, "/proc/self/ns/net");
    assert_null(oci_config_namespace(c, OCI_NS_USER));
    assert_non_null(oci_config_namespace(c, OCI_NS_PID));
    assert_null(oci_config_namespace(NULL, OCI_NS_PID));
    oci_config_free(NULL);
    oci_process_free(NULL);
    oci_resources_free(NULL);
}

/* Every prefix of a valid document is refused cleanly (no crash, no leak
 * under valgrind), and so is every single-byte corruption. */
static void truncated_and_corrupted_documents(void **state)
{
    _cleanup_free_ char *doc = J(full_example);
    size_t len = strlen(doc);
    for (size_t i = 0; i < len; i++) {
        congo_error err = CONGO_ERROR_INIT;
        oci_config *c = NULL;
        assert_true(oci_config_parse(&c, doc, i, "config.json", &err) < 0);
        assert_null(c);
        assert_non_null(err.msg);
        congo_error_clear(&err);
    }
    for (size_t i = 0; i < len; i += 3) {
        congo_error err = CONGO_ERROR_INIT;
        oci_config *c = NULL;
        char saved = doc[i];
        doc[i] = doc[i] == '1' ? 'x' : '1';
        if (oci_config_parse(&c, doc, len, "config.json", &err) == 0) {
            (void) oci_config_validate(c, &err);
            oci_config_free(c);
        }
        congo_error_clear(&err);
        doc[i] = saved;
    }
}

/* ------------------------------------------------------------------------ */
/* Input bounds (issue 13): the size of every document, its nesting depth,
 * and the length of the arrays that cost work at create; each tested at the
 * bound and one past it. */


static int parse_cfg(const char *doc, size_t len, congo_error *err)
{
    oci_config *c = NULL;
    int r = oci_config_parse(&c, doc, len, "config.json", err);
    oci_config_free(c);
    return r;
}

static int parse_proc(const char *doc, size_t len, congo_error *err)
{
    oci_process *p = NULL;
    int r = oci_process_parse(&p, doc, len, "process.json", err);
    if (p)
        oci_process_free(p);
    return r;
}

static int parse_res(const char *doc, size_t len, congo_error *err)
{
    oci_resources *res = NULL;
    int r = oci_resources_parse(&res, doc, len, "resources.json", err);
    if (res)
        oci_resources_free(res);
    return r;
}

/* NULL when accepted, else the error text. */
static char *try_parse(int (*fn)(const char *, size_t, congo_error *), const char *doc, size_t len)
{
    congo_error err = CONGO_ERROR_INIT;
    char *t = NULL;
    if (fn(doc, len, &err) < 0)
        t = congo_error_text(&err);
    congo_error_clear(&err);
    return t;
}

static void document_size_bounds(void **state)
{
    const size_t max = 16u << 20;
    char *doc = xmalloc(max + 2), *t;
    int (*fns[])(const char *, size_t, congo_error *) = { parse_cfg, parse_proc, parse_res };
    const char *prefix[] = { "{\"ociVersion\":\"1.0.0\"}", "{\"args\":[\"true\"],\"cwd\":\"/\"}", "{}" };
    const char *name[] = { "config.json", "process.json", "resources.json" };

    for (size_t k = 0; k < ARRAY_SIZE(fns); k++) {
        size_t n = strlen(prefix[k]);
        memcpy(doc, prefix[k], n);
        memset(doc + n, ' ', max + 1 - n);
        t = try_parse(fns[k], doc, max);
        assert_null(t);
        t = try_parse(fns[k], doc, max + 1);
        _cleanup_free_ char *want = xasprintf("%s: 16777217 bytes, more than the limit of 16777216 bytes: File too large",
                                              name[k]);
        assert_non_null(t);
        assert_string_equal(t, want);
        free(t);
    }
    free(doc);
    (void) state;
}

static void document_depth_bounds(void **state)
{
    int (*fns[])(const char *, size_t, congo_error *) = { parse_proc, parse_res };
    const char *name[] = { "process.json", "resources.json" };
    char doc[1024];

    for (size_t k = 0; k < ARRAY_SIZE(fns); k++) {
        for (int depth = 200; depth <= 201; depth++) {
            size_t n = 0;
            n += sprintf(doc, "{\"x\":");
            for (int i = 1; i < depth; i++)
                doc[n++] = '[';
            for (int i = 1; i < depth; i++)
                doc[n++] = ']';
            doc[n++] = '}';
            doc[n] = '\0';
            char *t = try_parse(fns[k], doc, n);
            if (depth == 200) {
                /* Parsed: any error is about the content, not the depth. */
                assert_true(!t || !strstr(t, "nested deeper"));
            } else {
                _cleanup_free_ char *want =
                    xasprintf("%s: line 1: JSON nested deeper than the limit of 200 levels", name[k]);
                assert_non_null(t);
                assert_string_equal(t, want);
            }
            free(t);
        }
    }
    (void) state;
}

/* A config whose array at `where` (with %s where the entries go) has n
 * copies of `entry`. */
static char *config_with_array(const char *where, const char *entry, size_t n)
{
    size_t el = strlen(entry);
    char *entries = xmalloc(n * (el + 1) + 1), *w = entries;
    for (size_t i = 0; i < n; i++) {
        if (i)
            *w++ = ',';
        memcpy(w, entry, el);
        w += el;
    }
    *w = '\0';
    const char *mark = strstr(where, "%s");
    char *doc = xasprintf("{\"ociVersion\":\"1.0.0\",%.*s%s%s}", (int) (mark - where), where, entries, mark + 2);
    free(entries);
    return doc;
}

static void array_bounds(void **state)
{
    static const struct {
        const char *where, *entry, *path;
        size_t max;
    } cases[] = {
        { "\"mounts\":[%s]", "{\"destination\":\"/x\"}", "mounts", OCI_MAX_MOUNTS },
        { "\"linux\":{\"maskedPaths\":[%s]}", "\"/x\"", "linux.maskedPaths", OCI_MAX_PATHS },
        { "\"linux\":{\"readonlyPaths\":[%s]}", "\"/x\"", "linux.readonlyPaths", OCI_MAX_PATHS },
        { "\"linux\":{\"devices\":[%s]}", "{\"path\":\"/dev/x\",\"type\":\"c\"}", "linux.devices", OCI_MAX_DEVICES },
        { "\"linux\":{\"resources\":{\"devices\":[%s]}}", "{\"allow\":false}", "linux.resources.devices",
          OCI_MAX_DEVICES },
        { "\"hooks\":{\"prestart\":[%s]}", "{\"path\":\"/x\"}", "hooks.prestart", OCI_MAX_HOOKS },
        { "\"hooks\":{\"poststop\":[%s]}", "{\"path\":\"/x\"}", "hooks.poststop", OCI_MAX_HOOKS },
        { "\"linux\":{\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[%s]}}",
          "{\"names\":[\"read\"],\"action\":\"SCMP_ACT_ALLOW\"}", "linux.seccomp.syscalls", OCI_MAX_SYSCALL_RULES },
        { "\"linux\":{\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"action\":\"SCMP_ACT_ALLOW\","
          "\"names\":[%s]}]}}",
          "\"read\"", "linux.seccomp.syscalls[0].names", OCI_MAX_SYSCALL_NAMES },
    };
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        for (size_t n = cases[i].max; n <= cases[i].max + 1; n++) {
            _cleanup_free_ char *doc = config_with_array(cases[i].where, cases[i].entry, n);
            char *t = try_parse(parse_cfg, doc, strlen(doc));
            if (n == cases[i].max) {
                if (t)
                    print_error("case %zu (%s): %zu entries refused: %s\n", i, cases[i].path, n, t);
                assert_null(t);
            } else {
                _cleanup_free_ char *want = xasprintf("config.json: %s: %zu entries, more than the limit of %zu",
                                                      cases[i].path, n, cases[i].max);
                assert_non_null(t);
                assert_string_equal(t, want);
            }
            free(t);
        }
    }
    (void) state;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(full_example_every_field),
        cmocka_unit_test(minimal_document_defaults),
        cmocka_unit_test(spec_output_parses_and_validates),
        cmocka_unit_test(malformed_json),
        cmocka_unit_test(invalid_utf8_and_deep_nesting),
        cmocka_unit_test(types),
        cmocka_unit_test(escaped_values_in_messages),
        cmocka_unit_test(ranges),
        cmocka_unit_test(required_fields),
        cmocka_unit_test(duplicates),
        cmocka_unit_test(enums),
        cmocka_unit_test(unknown_fields_ignored),
        cmocka_unit_test(whole_document_rules),
        cmocka_unit_test(sysctls),
        cmocka_unit_test(load_errors),
        cmocka_unit_test(process_document),
        cmocka_unit_test(resources_document),
        cmocka_unit_test(name_lookups),
        cmocka_unit_test(map_and_namespace_lookup),
        cmocka_unit_test(truncated_and_corrupted_documents),
        cmocka_unit_test(document_size_bounds),
        cmocka_unit_test(document_depth_bounds),
        cmocka_unit_test(array_bounds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
