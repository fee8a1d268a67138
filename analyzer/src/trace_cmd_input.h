/* The few libtracecmd calls kvm_trace_reader.cpp makes, behind a C translation unit: libtracecmd's header includes
 * libtracefs's, which is not valid C++ (tracefs.h passes an int where it declares an enum), so C++ cannot include
 * it. Every declaration here is checked against the real headers when trace_cmd_input.c compiles. */
#ifndef VCM_ANALYZER_TRACE_CMD_INPUT_H
#define VCM_ANALYZER_TRACE_CMD_INPUT_H

#include <event-parse.h>

#ifdef __cplusplus
extern "C" {
#endif

struct tracecmd_input;

/* tracecmd_open without plugins and with libtracecmd's own messages silenced: null if it cannot be opened. */
struct tracecmd_input *vcm_trace_cmd_open(const char *file);
void vcm_trace_cmd_close(struct tracecmd_input *input);
struct tep_handle *vcm_trace_cmd_tep(struct tracecmd_input *input);
/* Every record of every CPU in time order; the callback returns non-zero to stop. Negative on a read error. */
int vcm_trace_cmd_iterate(struct tracecmd_input *input, int (*callback)(struct tep_record *record, void *data),
                          void *data);

#ifdef __cplusplus
}
#endif

#endif
