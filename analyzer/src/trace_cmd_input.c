/* libtracecmd behind a C interface (trace_cmd_input.h says why). */
#include "trace_cmd_input.h"

#include <trace-cmd.h>

struct tracecmd_input *vcm_trace_cmd_open(const char *file)
{
    /* No plugins: libtraceevent's kvm plugin does not know arm64's kvm_exit ("<CANT FIND FIELD exit_reason>"),
     * and vcm reads fields by name anyway. */
    tracecmd_set_loglevel(TEP_LOG_NONE);
    return tracecmd_open(file, TRACECMD_FL_LOAD_NO_PLUGINS);
}

void vcm_trace_cmd_close(struct tracecmd_input *input)
{
    tracecmd_close(input);
}

struct tep_handle *vcm_trace_cmd_tep(struct tracecmd_input *input)
{
    return tracecmd_get_tep(input);
}

struct iteration {
    int (*callback)(struct tep_record *record, void *data);
    void *data;
};

static int on_record(struct tracecmd_input *input, struct tep_record *record, int cpu, void *data)
{
    (void)input;
    (void)cpu;
    struct iteration *it = data;
    return it->callback(record, it->data);
}

int vcm_trace_cmd_iterate(struct tracecmd_input *input, int (*callback)(struct tep_record *record, void *data),
                          void *data)
{
    struct iteration it = {callback, data};
    return tracecmd_iterate_events(input, NULL, 0, on_record, &it);
}
