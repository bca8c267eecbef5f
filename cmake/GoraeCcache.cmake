# Compile through ccache when it is installed. base_dir turns this tree's
# absolute paths into paths relative to the build directory, and hash_dir off
# leaves the working directory out of the key, so another checkout of the same
# sources (a git worktree, or a lab written by scripts/make-lab and built by
# CI's coverage run) reuses these objects instead of compiling them again.
# Two side effects: diagnostics and __FILE__ name sources relative to the
# build directory (../../chapters/...; scripts/grade shows them from the
# tree), and an object taken from the cache may carry the other checkout's
# build directory in its debug info.
# https://ccache.dev/manual/4.7.html#_compiling_in_different_directories
find_program(GORAE_CCACHE ccache)
if(GORAE_CCACHE AND NOT CMAKE_CXX_COMPILER_LAUNCHER)
  set(launcher /usr/bin/env CCACHE_BASEDIR=${PROJECT_SOURCE_DIR} CCACHE_NOHASHDIR=true
      ${GORAE_CCACHE})
  set(CMAKE_C_COMPILER_LAUNCHER ${launcher})
  set(CMAKE_CXX_COMPILER_LAUNCHER ${launcher})
endif()
