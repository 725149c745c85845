#include <lpsolve/lp_lib.h>
