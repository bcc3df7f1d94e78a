# Warnings for stmify's own code: everything we write builds warning-free.
function(stmify_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Werror)
endfunction()
