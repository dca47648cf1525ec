// Declarations only (include/CPartaSQLite.h); SwiftPM wants a source file in a C target.
#include "CPartaSQLite.h"
