# Where the plugin is built (a fixed path, so sources can depend on the file).
set(STMIFY_PLUGIN_PATH "${PROJECT_BINARY_DIR}/lib/libstmify.so")

# stmify_use_plugin(<target> [SANITIZE]): compile <target>'s sources with the
# stmify plugin (SANITIZE: with the barrier sanitizer); they are compiled
# again whenever the plugin changes.
function(stmify_use_plugin target)
  cmake_parse_arguments(ARG "SANITIZE" "" "" ${ARGN})
  target_compile_options(${target} PRIVATE "-fplugin=${STMIFY_PLUGIN_PATH}")
  if(ARG_SANITIZE)
    target_compile_options(${target} PRIVATE "-fplugin-arg-stmify-sanitize")
  endif()
  add_dependencies(${target} stmify_plugin)
  get_target_property(sources ${target} SOURCES)
  set_property(SOURCE ${sources} TARGET_DIRECTORY ${target} APPEND PROPERTY
               OBJECT_DEPENDS "${STMIFY_PLUGIN_PATH}")
endfunction()
