# Every gorae target links gorae_warnings so the whole project shares one set of
# warnings; third-party separate-compilation units do not.
add_library(gorae_warnings INTERFACE)
target_compile_options(gorae_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wold-style-cast
  -Wcast-align -Wunused -Woverloaded-virtual -Wformat=2
  $<$<BOOL:${GORAE_WERROR}>:-Werror>
  # GCC 12 at -O3 reports overlapping memcpy inside libstdc++'s std::string
  # (GCC bug 105329), a false positive in code that is not ours.
  $<$<AND:$<CXX_COMPILER_ID:GNU>,$<VERSION_LESS:$<CXX_COMPILER_VERSION>,13>>:-Wno-restrict>)

if(GORAE_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer
                      -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
endif()
