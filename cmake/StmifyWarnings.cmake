# Warnings for stmify's own code: everything we write builds warning-free.
function(stmify_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Werror)
endfunction()

# AddressSanitizer + UBSan (with UBSan errors fatal) for a target and, with
# PUBLIC, for everything that links it. Stack use-after-return detection stays
# off: it moves locals off the stack, where the collector looks for roots. The
# vptr check stays off: it reads an object's vptr through the pointer being
# cast, which for a managed object is the canonical (inaccessible) reference.
function(stmify_sanitize target scope)
  set(flags -fsanitize=address,undefined -fno-sanitize=vptr -fno-sanitize-recover=undefined
            -fno-omit-frame-pointer -fsanitize-address-use-after-return=never)
  target_compile_options(${target} ${scope} ${flags})
  target_link_options(${target} ${scope} -fsanitize=address,undefined)
endfunction()

# ThreadSanitizer for a target and, with PUBLIC, for everything that links it.
function(stmify_sanitize_threads target scope)
  target_compile_options(${target} ${scope} -fsanitize=thread -fno-omit-frame-pointer)
  target_link_options(${target} ${scope} -fsanitize=thread)
endfunction()
