/* Instantiates the "vcm" tracepoint provider (probes and tracepoint definitions) in the tracer library. */
#define LTTNG_UST_TRACEPOINT_CREATE_PROBES
#define LTTNG_UST_TRACEPOINT_DEFINE
#include "vcm_tracepoints.h"
