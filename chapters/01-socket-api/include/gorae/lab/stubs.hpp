#pragma once

// Included by scripts/make-lab at the top of each .cpp file whose regions it
// replaced with stubs (never by a header, so the pragmas below stay in that
// file). A stub leaves the region's parameters, locals and helper functions
// unused, and so does a student's half-written code; with -Werror either
// would stop the whole lab from compiling, so in these files they are not
// diagnosed. Every other warning stays an error.

#include "gorae/lab/not_implemented.hpp"

#pragma GCC diagnostic ignored "-Wunused-parameter"
#pragma GCC diagnostic ignored "-Wunused-variable"
#pragma GCC diagnostic ignored "-Wunused-but-set-variable"
#pragma GCC diagnostic ignored "-Wunused-function"
#pragma GCC diagnostic ignored "-Wunused-local-typedefs"
