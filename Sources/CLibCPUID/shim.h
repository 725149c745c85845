#include <libcpuid/libcpuid.h>
