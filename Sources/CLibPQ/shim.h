#ifndef PGLVSD_CLIBPQ_SHIM_H
#define PGLVSD_CLIBPQ_SHIM_H
#include <libpq-fe.h>
#endif
