# Where the plugin is built (a fixed path, so sources can depend on the file).
set(STMIFY_PLUGIN_PATH "${PROJECT_BINARY_DIR}/lib/libstmify.so")

# stmify_use_plugin(<target>): compile <target>'s sources with the stmify
# plugin; they are compiled again whenever the plugin changes.
function(stmify_use_plugin target)
  target_compile_options(${target} PRIVATE "-fplugin=${STMIFY_PLUGIN_PATH}")
  add_dependencies(${target} stmify_plugin)
  get_target_property(sources ${target} SOURCES)
  set_property(SOURCE ${sources} TARGET_DIRECTORY ${target} APPEND PROPERTY
               OBJECT_DEPENDS "${STMIFY_PLUGIN_PATH}")
endfunction()
