# Every gorae target links gorae_warnings so the whole project shares one set of
# warnings; third-party separate-compilation units do not.
add_library(gorae_warnings INTERFACE)
target_compile_options(gorae_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wold-style-cast
  -Wcast-align -Wunused -Woverloaded-virtual -Wformat=2
  $<$<BOOL:${GORAE_WERROR}>:-Werror>)

if(GORAE_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer
                      -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
endif()
