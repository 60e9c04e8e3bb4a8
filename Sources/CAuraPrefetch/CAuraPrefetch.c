// The shim is header-only (CAuraPrefetch.h); SwiftPM needs one source file per C target.
#include "CAuraPrefetch.h"
