#ifndef PGLVSD_CYAML_SHIM_H
#define PGLVSD_CYAML_SHIM_H
#include <yaml.h>
#endif
