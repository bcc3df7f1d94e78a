// Every name the transformer recognises in a program and every name it writes
// into its output, in one place. The output's names are defined by stmify's
// headers (include/stmify/stm.hpp and detail/): renaming one there means
// changing it here, and nowhere else in passes/. The library functions the
// transformer knows by name are listed in KnownFunctions.def.
#ifndef STMIFY_PASSES_NAMES_H
#define STMIFY_PASSES_NAMES_H

#include "llvm/ADT/StringRef.h"

namespace stmify::names {

// ------------------------------------------------- recognised: stmify's API

// The namespace of the API, directly in the global namespace.
inline constexpr llvm::StringLiteral ApiNamespace = "stm";
// stm::object: classes derived from it are managed.
inline constexpr llvm::StringLiteral ObjectClass = "object";
// stm::array<T>: element accesses are method calls on a managed object.
inline constexpr llvm::StringLiteral ArrayClass = "array";
// stm::array<T>::set(i, value, site), and get(i, site) in a build with read
// sites: the plugin passes the site.
inline constexpr llvm::StringLiteral ArraySet = "set";
inline constexpr llvm::StringLiteral ArrayGet = "get";
// stm::string: a value the program holds anywhere, in unmanaged memory
// too. Its non-const methods write the object they are called on, which a
// transaction must own, as for the program's own classes; the others of
// stmify's headers are safe on any object.
inline constexpr llvm::StringLiteral StringClass = "string";
// stm::vector<T>, stm::dict<K, V> and stm::set<K> (stm::iddict and
// stm::idset are names of these two): the containers of stmify's headers
// hold one managed reference to a body that their methods change through
// barriers of their own, so a method, even a non-const one, only reads the
// object the container is in; an element that an accessor or an iterator
// returns by reference lies in the thread's segment (backed up when the
// reference can write), valid as a field's reference is.
inline constexpr llvm::StringLiteral ContainerClasses[] = {"vector", "dict", "set"};
// Their iterators, in stm::detail.
inline constexpr llvm::StringLiteral DetailNamespace = "detail";
inline constexpr llvm::StringLiteral ContainerIterators[] = {"vector_iterator", "trie_iterator"};
// stm::thread_local_property<T>::get(): the calling thread's value, which
// the property saves before an atomic block first uses it and puts back if
// the block is rolled back, so the block owns what get() returns.
inline constexpr llvm::StringLiteral ThreadLocalPropertyClass = "thread_local_property";
inline constexpr llvm::StringLiteral ThreadLocalPropertyGet = "get";
// stm::atomic and its variants: the lambda argument is an atomic block.
inline constexpr llvm::StringLiteral AtomicFunctions[] = {"atomic", "atomic_cancel",
                                                          "exclusive_atomic"};
// The C interface's calls that start, commit or abort a transaction by hand.
inline constexpr llvm::StringLiteral TransactionControlFunctions[] = {
    "stm_start_transaction", "stm_commit_transaction", "stm_abort_transaction"};
// stm::on_commit and stm::on_abort: the lambda argument runs after the block
// ends, outside any atomic block.
inline constexpr llvm::StringLiteral HandlerFunctions[] = {"on_commit", "on_abort"};
// stm::transaction_queue::add: the first argument runs as a task.
inline constexpr llvm::StringLiteral QueueClass = "transaction_queue";
inline constexpr llvm::StringLiteral QueueAdd = "add";
// STM_TX_SAFE: a function the program declares safe in transactions.
inline constexpr llvm::StringLiteral TxSafeAnnotation = "stmify.tx_safe";

// The files of the API: never instrumented, and the mark of a file that uses
// it. The C ABI header is included by the others.
inline constexpr llvm::StringLiteral ApiHeader = "stmify/stm.hpp";
inline constexpr llvm::StringLiteral ApiDetailDirectory = "stmify/detail/";
inline constexpr llvm::StringLiteral AbiHeader = "stmify/stm.h";

// Defined in every compile the plugin or the tool instruments; a file
// compiled with it defined is instrumented output already.
inline constexpr llvm::StringLiteral InstrumentedMacro = "__STMIFY__";
// Defined in a compile built with the barrier sanitizer.
inline constexpr llvm::StringLiteral SanitizeMacro = "STMIFY_SANITIZE";

// ------------------------------------------ recognised: the standard library

// Value templates whose members the generated trace functions visit.
inline constexpr llvm::StringLiteral TracedStdWrappers[] = {"pair", "tuple", "array", "optional",
                                                            "variant"};
// Container methods that add an element: constructing a thread in place
// through them starts it.
inline constexpr llvm::StringLiteral ElementAppends[] = {"emplace_back", "push_back", "emplace"};
// Methods that give iterators or a pointer into a container: they write
// nothing, whatever the object.
inline constexpr llvm::StringLiteral RangeAccessors[] = {"begin",  "end",  "cbegin", "cend",
                                                         "rbegin", "rend", "data"};

// --------------------------------------------------------------- emitted
// Wrappings are written as their opening text; the EditPlan tells them
// apart by it.

// Barriers (include/stmify/detail/instrumented.hpp): the object's address in the thread's
// segment, for reading, for writing.
inline constexpr llvm::StringLiteral TranslateBarrier = "stm::loc(";
inline constexpr llvm::StringLiteral ReadBarrier = "stm::rd(";
inline constexpr llvm::StringLiteral WriteBarrier = "stm::wr(";
// The same where the running transaction already holds what the barrier
// gives (RedundantBarriers.cpp): translation only.
inline constexpr llvm::StringLiteral ReadAgain = "stm::detail::read_again(";
inline constexpr llvm::StringLiteral WriteAgain = "stm::detail::write_again(";
// Opens the block around a loop that is another loop's body, with the
// barriers moved out of it: `{ (void)stm::wr(p); for (...) ... }`.
inline constexpr llvm::StringLiteral HoistedBarriersBlock = "{ (void)";
// A pointer value that leaves the segment: its canonical address.
inline constexpr llvm::StringLiteral Canonical = "stm::canon(";

// include/stmify/detail/instrumented.hpp.
inline constexpr llvm::StringLiteral InevitableHook = "stm::detail::inevitable_hook(";
inline constexpr llvm::StringLiteral Synchronizing = "stm::detail::synchronizing(";
inline constexpr llvm::StringLiteral ConvertedValue = "stm::detail::converted_value(";
inline constexpr llvm::StringLiteral Preserve = "stm::detail::preserve(";
// Appended to the arguments of transaction_queue::add: the task's site.
inline constexpr llvm::StringLiteral TaskSite = "stm::detail::task_site{";
inline constexpr llvm::StringLiteral TaskSiteClass = "task_site";
inline constexpr llvm::StringLiteral ElementsOf = "stm::detail::elements_of(";
// A container whose element is only read: its const accessor; an iterator
// whose element is only read: the constant iterator.
inline constexpr llvm::StringLiteral ReadOnlyAccess = "stm::detail::read_only(";
inline constexpr llvm::StringLiteral VptrView = "stm::detail::vptr_view(";
// The element of an array field, with its barrier taken after the index.
inline constexpr llvm::StringLiteral ReadElement = "(*stm::detail::read_element(&";
inline constexpr llvm::StringLiteral WriteElement = "(*stm::detail::write_element(&";
inline constexpr llvm::StringLiteral SafePoint = "stm::detail::safe_point();";
inline constexpr llvm::StringLiteral SafePointNoThrow = "stm::detail::safe_point_nothrow();";
// The same, as the first operand of a loop condition's comma expression.
inline constexpr llvm::StringLiteral SafePointInCondition = "stm::detail::safe_point(), ";
inline constexpr llvm::StringLiteral SafePointNoThrowInCondition =
    "stm::detail::safe_point_nothrow(), ";
// In loops of an atomic block's or a task's own body: the segment view stays.
inline constexpr llvm::StringLiteral SafePointInBlock = "stm::detail::safe_point_in_block();";
inline constexpr llvm::StringLiteral SafePointInBlockInCondition =
    "stm::detail::safe_point_in_block(), ";
inline constexpr llvm::StringLiteral NoThrowScope = "stm::detail::nothrow_scope __stmify_nothrow;";
// At the entry of a function a thread may begin in that has no safe point.
inline constexpr llvm::StringLiteral AttachIfUnattached = "stm::detail::attach_if_unattached();";
inline constexpr llvm::StringLiteral RethrowIfAbort = "stm::detail::rethrow_if_abort();";

// Trace functions written into managed classes (TraceFunctions.cpp), and
// what they call.
inline constexpr llvm::StringLiteral TraceFunction = "__stmify_trace";
inline constexpr llvm::StringLiteral TracedType = "__stmify_traced_type";
inline constexpr llvm::StringLiteral TraceSelf = "__stmify_self";
inline constexpr llvm::StringLiteral TraceObject = "__stmify_object";
inline constexpr llvm::StringLiteral TraceVisit = "__stmify_visit";
inline constexpr llvm::StringLiteral TraceContext = "__stmify_context";
inline constexpr llvm::StringLiteral TraceValue = "::stm::detail::trace_value(";
inline constexpr llvm::StringLiteral VisitFunctionType = "stm_visit_fn";
inline constexpr llvm::StringLiteral NoThreadSafetyAnalysis =
    "STMIFY_DETAIL_NO_THREAD_SAFETY_ANALYSIS";

// Instrumented text starts with this comment (it adds no line), so that
// stmify leaves its own output alone.
inline constexpr llvm::StringLiteral InstrumentedMarker = "/* instrumented by stmify */ ";

} // namespace stmify::names

#endif
