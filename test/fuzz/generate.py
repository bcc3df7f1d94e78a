#!/usr/bin/env python3
"""Random programs in the subset of C++ that stmify instruments.

Each seed gives one program: a namespace `p<seed>` whose `run()` starts a few
threads and returns a checksum. The programs use what users write: managed
classes with inheritance, virtual functions and templates, plain structs as
fields, arrays, references and pointers to managed objects and to their
fields, helpers taking references, pointers and out-parameters (plain and
templates), lambdas defined inside and before atomic blocks, generic lambdas,
structured bindings, std::swap, range-for, nested blocks, exceptions caught
inside a block and thrown out of it, stm::array, a std::vector of managed
pointers, and queued tasks.

The checksum does not depend on how the threads interleave: every thread
reads and writes only objects it made itself, and the objects all threads
share are only added to (unsigned, so wrapping is defined). A build that
instruments the program correctly therefore prints what the build without the
plugin prints, on any number of segments and however often its blocks abort.

    generate.py SEED [COUNT]   prints the programs SEED .. SEED+COUNT-1 and a
                               main() that prints `p<seed> <checksum>` for each
                               (or only for the program named by argv[1])
"""

import random
import textwrap
import sys

NODE_FIELDS = ["a", "b", "pos.x", "pos.y"]
HELPER_KINDS = ["ref", "const_ref", "ref_out", "ptr_out", "template_ref", "template_ptr", "ptr"]


class Scope:
    """What a statement may use: values, places it may write, managed pointers
    and references, callables. Copied when a block opens, so names declared
    inside stay inside."""

    def __init__(self):
        self.values = []  # readable U expressions
        self.places = []  # writable U places (lvalues)
        self.pointers = []  # Base * expressions, never null
        self.references = []  # names of Base & locals
        self.field_places = []  # references bound to fields of managed objects
        self.lambdas = []  # names of lambdas taking (U)
        self.shared = False  # may add to shared->sum
        self.in_block = False  # in an atomic block (nested blocks allowed)
        self.task = False  # reaches only its parameters
        # The thread keeps its segment to the end of the body (an atomic
        # block's or a task's own body).
        self.fixed = False
        # Outside such a body, after a reference to a field was bound: no
        # loop, and no call that may reach a safe point, while it lives.
        self.pinned = False

    def copy(self):
        other = Scope()
        for name in ("values", "places", "pointers", "references", "field_places", "lambdas"):
            setattr(other, name, list(getattr(self, name)))
        for name in ("shared", "in_block", "task", "fixed", "pinned"):
            setattr(other, name, getattr(self, name))
        return other

    def body(self):
        """The scope of a lambda defined here and run later or elsewhere: the
        references to fields bound here may be gone by then."""
        other = self.copy()
        other.fixed = other.pinned = False
        other.field_places = []
        return other

    def binding(self):
        """The scope of the expression a reference to a field is bound to:
        outside a fixed-segment body, the object is reached before the rest
        of the expression runs, so that may not reach a safe point either."""
        other = self.copy()
        if not other.fixed:
            other.pinned = True
        return other


class Generator:
    def __init__(self, seed):
        self.seed = seed
        self.rng = random.Random(seed)
        self.counter = 0
        self.lines = []
        self.nodes = self.rng.randint(3, 7)
        self.helpers = []  # (name, kind)

    def fresh(self, stem):
        self.counter += 1
        return f"{stem}{self.counter}"

    def chance(self, p):
        return self.rng.random() < p

    def pick(self, items):
        return self.rng.choice(items)

    # --- expressions -----------------------------------------------------

    def constant(self):
        return str(self.pick([1, 2, 3, 5, 7, 11, 13, 255, 1021, 65537])) + "ul"

    def pointer(self, scope):
        return self.pick(scope.pointers)

    def node_place(self, scope, quiet=False):
        """A field of a managed object reached through a pointer or a reference.
        Quiet: its index calls nothing (the place is bound beside another
        argument of the same call, which must not reach a safe point)."""
        if scope.references and self.chance(0.3):
            base = self.pick(scope.references) + "."
        else:
            p = self.pointer(scope)
            if self.chance(0.15) and not scope.task:
                p = f"{p}->peer"
            base = p + "->"
        choice = self.rng.randrange(7)
        index = self.pick(scope.values) if quiet and scope.values else self.value(scope, 1)
        if quiet and not scope.values:
            index = self.constant()
        if choice == 4:
            return f"{base}data[{index} & 3u]"
        if choice == 5:
            return f"{base}data[{self.rng.randrange(4)}]"
        if choice == 6:  # through an accessor returning a reference to the field
            return f"{base}slot({index})"
        return base + NODE_FIELDS[choice % 4]

    def place(self, scope, capturable=False, quiet=False):
        places = scope.places if capturable else scope.places + scope.field_places
        if places and self.chance(0.45):
            return self.pick(places)
        return self.node_place(scope, quiet)

    def bound_field(self, scope, *names):
        """After a reference to a field is bound outside a fixed-segment body,
        the rest of its scope may not reach a safe point."""
        scope.field_places += names
        if not scope.fixed:
            scope.pinned = True

    def value(self, scope, depth=0):
        roll = self.rng.random()
        if depth >= 2 or roll < 0.25:
            leaf = self.rng.randrange(4)
            if leaf == 0:
                return self.constant()
            if leaf == 1 and scope.values:
                return self.pick(scope.values)
            return self.place(scope)
        if roll < 0.7:
            op = self.pick(["+", "-", "^", "*", "|", "&"])
            return f"({self.value(scope, depth + 1)} {op} {self.value(scope, depth + 1)})"
        if roll < 0.78:
            return f"({self.value(scope, depth + 1)} >> ({self.value(scope, depth + 1)} & 7u))"
        if roll < 0.86:
            a, b = self.pointer(scope), self.pointer(scope)
            return f"({a} == {b} ? {self.value(scope, depth + 1)} : {self.constant()})"
        if roll < 0.92 and scope.references:
            r, p = self.pick(scope.references), self.pointer(scope)
            return f"(&{r} == {p} ? {self.constant()} : {self.value(scope, depth + 1)})"
        helpers = [h for h in self.helpers if h[1] == "const_ref"]
        if helpers and not scope.pinned:
            name = self.pick(helpers)[0]
            return f"{name}(*{self.pointer(scope)}, {self.value(scope, depth + 1)})"
        return self.constant()

    # --- statements ------------------------------------------------------

    def emit(self, indent, text):
        self.lines.append("  " * indent + text)

    def text(self, indent, block):
        """Fixed lines, written as an indented block: its first newline and
        the whitespace before its closing quotes are not lines."""
        lines = textwrap.dedent(block.removeprefix("\n")).split("\n")
        for line in lines[:-1] if lines[-1] == "" else lines:
            self.emit(indent, line)

    def statements(self, scope, indent, count, depth):
        for _ in range(count):
            self.statement(scope, indent, depth)

    def statement(self, scope, indent, depth):
        roll = self.rng.randrange(100)
        # When pinned: no loop, nothing that calls the program's functions
        # (but small leaves) or enters a block (a branch whose condition fails
        # falls through to the next).
        free = not scope.pinned
        if roll < 22:
            op = self.pick(["=", "+=", "-=", "^=", "|=", "+=", "*="])
            rhs = self.value(scope)
            if op == "*=":
                rhs = f"({rhs} | 1u)"
            self.emit(indent, f"{self.place(scope)} {op} {rhs};")
        elif roll < 30 and scope.shared:
            self.emit(indent, f"shared->sum[{self.rng.randrange(4)}] += {self.value(scope)};")
        elif roll < 37:
            name = self.fresh("t")
            self.emit(indent, f"U {name} = {self.value(scope)};")
            scope.values.append(name)
            if self.chance(0.5):
                scope.places.append(name)
        elif roll < 43 and depth < 3:
            self.emit(indent, f"if ({self.value(scope)} & 1u) {{")
            self.statements(scope.copy(), indent + 1, self.rng.randint(1, 3), depth + 1)
            self.emit(indent, "} else {")
            self.statements(scope.copy(), indent + 1, self.rng.randint(1, 2), depth + 1)
            self.emit(indent, "}")
        elif roll < 47 and depth < 3 and free:
            j = self.fresh("j")
            self.emit(indent, f"for (U {j} = 0; {j} < {self.rng.randint(2, 4)}u; ++{j}) {{")
            inner = scope.copy()
            inner.values.append(j)
            self.statements(inner, indent + 1, self.rng.randint(1, 3), depth + 1)
            self.emit(indent, "}")
        elif roll < 55 and self.helpers and free:
            self.helper_call(scope, indent)
        elif roll < 60 and free:
            name = self.fresh("v")
            p = self.pointer(scope)
            self.emit(indent, f"U {name} = {p}->mix({self.value(scope)});")
            scope.values.append(name)
        elif roll < 64:
            name = self.fresh("f")
            self.emit(indent, f"U &{name} = {self.node_place(scope.binding())};")
            self.bound_field(scope, name)
            self.emit(indent, f"{name} += {self.value(scope)};")
        elif roll < 68:
            name = self.fresh("q")
            self.emit(indent, f"Base *{name} = {self.pointer(scope)};")
            scope.pointers.append(name)
        elif roll < 71:
            name = self.fresh("r")
            self.emit(indent, f"Base &{name} = *{self.pointer(scope)};")
            scope.references.append(name)
        elif roll < 75 and free:
            name = self.fresh("lam")
            target = self.place(scope.body(), capturable=True)
            op = self.pick(["+=", "^=", "-="])
            self.emit(indent, f"auto {name} = [&](U w) {{ {target} {op} w; }};")
            scope.lambdas.append(name)
            self.emit(indent, f"{name}({self.value(scope)});")
        elif roll < 78 and scope.lambdas and free:
            self.emit(indent, f"{self.pick(scope.lambdas)}({self.value(scope)});")
        elif roll < 80 and not scope.task:
            a, b = self.pointer(scope), self.pointer(scope)
            self.emit(indent, f"{a}->peer = {b};")
        elif roll < 83:
            a, b = self.place(scope, quiet=True), self.place(scope, quiet=True)
            self.emit(indent, f"std::swap({a}, {b});")
        elif roll < 86 and free:
            p = self.pointer(scope)
            d = self.fresh("d")
            if self.chance(0.5):
                self.emit(indent, f"for (U &{d} : {p}->data)")
                inner = scope.copy()
                self.bound_field(inner, d)
                self.emit(indent + 1, f"{d} += {self.value(inner)};")
            else:
                target = self.place(scope)
                self.emit(indent, f"for (U {d} : {p}->data)")
                self.emit(indent + 1, f"{target} ^= {d};")
        elif roll < 88:
            p = self.pointer(scope)
            x, y = self.fresh("x"), self.fresh("y")
            self.emit(indent, f"auto &[{x}, {y}] = {p}->pos;")
            self.bound_field(scope, x, y)
            self.emit(indent, f"{x} += {self.value(scope)};")
        elif roll < 91 and depth < 3:
            self.emit(indent, "try {")
            inner = scope.copy()
            self.statements(inner, indent + 1, self.rng.randint(0, 2), depth + 1)
            self.emit(indent + 1, f"if ({self.value(inner)} & 1u)")
            self.emit(indent + 2, f"throw Oops{{{self.value(inner)}}};")
            self.statements(inner, indent + 1, self.rng.randint(1, 2), depth + 1)
            self.emit(indent, "} catch (const Oops &e) {")
            self.emit(indent + 1, f"{self.place(scope)} += e.v;")
            self.emit(indent, "}")
        elif roll < 93 and scope.in_block and depth < 3 and free:
            self.emit(indent, "stm::atomic([&] {")
            inner = scope.copy()
            inner.fixed = True
            self.statements(inner, indent + 1, self.rng.randint(1, 3), depth + 1)
            self.emit(indent, "});")
        elif roll < 96 and not scope.task:
            self.emit(indent, f"cell->bump({self.value(scope)});")
            if self.chance(0.5):
                self.emit(indent, f"cell->next->value ^= {self.value(scope)};")
        elif not scope.task:
            k = self.value(scope, 1)
            self.emit(indent, f"arr->set(({k}) & 7u, arr->get(({k}) & 7u) + {self.value(scope)});")
        else:
            self.emit(indent, f"{self.place(scope)} += {self.constant()};")

    def helper_call(self, scope, indent):
        name, kind = self.pick(self.helpers)
        p = self.pointer(scope)
        v = self.value(scope)
        if kind == "ref":
            target = f"*{p}" if not scope.references or self.chance(0.5) else self.pick(scope.references)
            self.emit(indent, f"{name}({target}, {v});")
        elif kind == "const_ref":
            t = self.fresh("c")
            self.emit(indent, f"U {t} = {name}(*{p}, {v});")
            scope.values.append(t)
        elif kind in ("ref_out", "template_ref", "ptr_out"):
            # The value first: beside an argument that may reach a safe point,
            # a reference to a field is refused outside atomic blocks (the
            # order of arguments is unspecified).
            t = self.fresh("c")
            self.emit(indent, f"U {t} = {v};")
            scope.values.append(t)
            address = "&" if kind == "ptr_out" else ""
            self.emit(indent, f"{name}({address}{self.place(scope)}, {t});")
        elif kind == "template_ptr":
            t = self.fresh("c")
            self.emit(indent, f"U {t} = {name}({p}, {v});")
            scope.values.append(t)
        else:
            self.emit(indent, f"{name}({p}, {v});")

    # --- the program -----------------------------------------------------

    def helper(self, kind):
        name = self.fresh("help")
        scope = Scope()
        scope.task = True  # reaches only its parameters
        if kind in ("ref", "const_ref"):
            const = "const " if kind == "const_ref" else ""
            ret = "U" if kind == "const_ref" else "void"
            self.emit(0, f"{ret} {name}({const}Base &n, U v) {{")
            scope.references = ["n"]
            scope.pointers = ["(&n)"]
            scope.values = ["v"]
            if kind == "const_ref":
                self.emit(1, f"return {self.value(scope)} + n.a;")
            else:
                self.statements(scope, 1, self.rng.randint(1, 3), 2)
        elif kind == "ref_out":
            self.emit(0, f"void {name}(U &out, U v) {{")
            self.emit(1, f"out {self.pick(['+=', '^=', '='])} v * {self.constant()};")
        elif kind == "ptr_out":
            self.emit(0, f"void {name}(U *out, U v) {{")
            self.emit(1, f"*out {self.pick(['+=', '^=', '='])} (v >> 1) + {self.constant()};")
        elif kind == "template_ref":
            self.emit(0, "template <class T>")
            self.emit(0, f"void {name}(T &out, T v) {{")
            self.emit(1, f"out {self.pick(['+=', '^=', '-='])} v;")
        elif kind == "template_ptr":
            self.emit(0, "template <class N>")
            self.emit(0, f"U {name}(N *n, U v) {{")
            self.emit(1, f"n->{self.pick(NODE_FIELDS)} += v;")
            self.emit(1, f"return n->{self.pick(NODE_FIELDS)} ^ v;")
        else:
            self.emit(0, f"void {name}(Base *n, U v) {{")
            scope.pointers = ["n"]
            scope.values = ["v"]
            self.statements(scope, 1, self.rng.randint(1, 3), 2)
        self.emit(0, "}")
        self.emit(0, "")
        self.helpers.append((name, kind))

    def classes(self):
        r = self.rng
        mix, step, bump = r.choice([3, 5, 9]), r.choice([1, 2, 7]), r.choice([3, 5, 7])
        self.text(0, f"""
            struct Inner {{
              U x = 0, y = 0;
            }};
            struct Oops {{
              U v;
            }};
            struct Base : stm::object {{
              U a = 0, b = 0;
              U data[4] = {{}};
              Inner pos;
              Base *peer = nullptr;
              virtual ~Base() = default;
              virtual U mix(U v) {{ a += v * {mix}u; return b ^ v; }}
              virtual U digest() const {{ return a * 31u + b * 7u + pos.x * 3u + pos.y; }}
              U &slot(U i) {{ return data[i & 3u]; }}
              const U &slot(U i) const {{ return data[i & 3u]; }}
            }};
            struct Derived : Base {{
              U c = 1;
              U mix(U v) override {{ c ^= v; b += {step}u; return a + c; }}
              U digest() const override {{ return Base::digest() * 17u + c; }}
            }};
            template <class T> struct Cell : stm::object {{
              T value{{}};
              Cell *next = nullptr;
              void bump(T by) {{ value = value * {bump}u + by; }}
            }};
            // Made outside atomic blocks, its constructor making objects
            // before it has set all its fields.
            struct Shared : stm::object {{
              U sum[4] = {{}};
              Cell<U> *seeded = stm::make<Cell<U>>();
              U base;
              Cell<U> *second;
              U tail;
              explicit Shared(U b) : base(b), second(stm::make<Cell<U>>()), tail(b * 3u + {bump}u) {{}}
            }};

            """)

    def block(self, scope, indent):
        """One atomic block in the thread's loop, in one of the forms users write."""
        inner = scope.copy()
        inner.in_block = inner.fixed = True
        count = self.rng.randint(2, 7)
        form = self.rng.randrange(10)
        if form < 6:
            entry = "stm::exclusive_atomic" if form == 5 else "stm::atomic"
            self.emit(indent, f"{entry}([&] {{")
            self.statements(inner, indent + 1, count, 0)
            self.emit(indent, "});")
        elif form < 8:
            result = self.fresh("res")
            self.emit(indent, f"U {result} = stm::atomic([&] {{")
            self.statements(inner, indent + 1, count, 0)
            self.emit(indent + 1, f"return {self.value(inner)};")
            self.emit(indent, "});")
            self.emit(indent, f"outer0 += {result};")
        else:
            self.emit(indent, "try {")
            self.emit(indent + 1, "stm::atomic([&] {")
            self.statements(inner, indent + 2, count // 2, 0)
            self.emit(indent + 2, f"if ({self.value(inner)} & 1u)")
            self.emit(indent + 3, f"throw Oops{{{self.value(inner)}}};")
            self.statements(inner, indent + 2, count - count // 2, 0)
            self.emit(indent + 1, "});")
            self.emit(indent, "} catch (const Oops &e) {")
            self.emit(indent + 1, "outer1 ^= e.v;")
            self.emit(indent, "}")

    def tasks(self, indent):
        """Queued tasks, each reaching only the node it is given."""
        self.emit(indent, "{")
        self.emit(indent + 1, "stm::transaction_queue tq;")
        self.emit(indent + 1, "for (U k = 0; k < kNodes; ++k)")
        self.emit(indent + 2, "tq.add([](Base *n, U v) {")
        scope = Scope()
        scope.task = scope.fixed = True
        scope.pointers = ["n"]
        scope.values = ["v"]
        self.statements(scope, indent + 3, self.rng.randint(1, 4), 2)
        self.emit(indent + 2, "}, nodes[k], i + k);")
        self.emit(indent + 1, "tq.run();")
        self.emit(indent, "}")

    def work(self):
        r = self.rng
        derived, iterations = r.randint(2, 4), r.randint(8, 40)
        self.text(0, f"""
            U work(U tid, Shared *shared) {{
              std::vector<Base *> nodes;
              for (U k = 0; k < kNodes; ++k) {{
                Base *n = k % {derived}u == 1 ? stm::make<Derived>() : stm::make<Base>();
                n->a = tid * 1000u + k;
                n->b = k * 7u + 1u;
                n->pos.x = tid ^ k;
                n->data[k & 3u] = k + 5u;
                n->peer = n;
                nodes.push_back(n);
              }}
              Cell<U> *cell = stm::make<Cell<U>>();
              cell->next = stm::make<Cell<U>>();
              stm::array<U> *arr = stm::make_array<U>(8);
              U outer0 = tid, outer1 = 0;
              Inner outer_inner{{tid, 1}};
              auto outer_add = [&](U w) {{ outer1 += w; }};
              auto outer_node = [&](U w) {{ nodes[0]->b ^= w; }};
              auto generic = [](auto &x, U w) {{ x += w; }};
              for (U i = 0; i < {iterations}u; ++i) {{""")
        scope = Scope()
        scope.shared = True
        scope.pointers = ["nodes[0]", f"nodes[{self.nodes - 1}]", "nodes[i % kNodes]",
                          "nodes[(i + 1u) % kNodes]"]
        scope.values = ["i", "tid"]
        scope.places = ["outer0", "outer1", "outer_inner.x", "cell->value"]
        scope.lambdas = ["outer_add", "outer_node"]
        for _ in range(r.randint(1, 3)):
            self.block(scope, 2)
            if self.chance(0.2):
                self.emit(2, f"generic({self.pick(['outer0', 'nodes[1]->a'])}, i);")
            if self.chance(0.3):
                # Outside atomic blocks: only this thread's objects.
                self.emit(2, "{")
                ambient = scope.copy()
                ambient.shared = False
                self.statements(ambient, 3, r.randint(1, 4), 1)
                self.emit(2, "}")
        if self.chance(0.35):
            self.tasks(2)
        self.text(0, """
              }
              U h = outer0 * 3u + outer1 + outer_inner.x * 5u + outer_inner.y;
              for (Base *n : nodes) {
                h = h * 1000003u + n->digest();
                for (U d : n->data)
                  h = h * 31u + d;
                U peer = 99u;
                for (U k = 0; k < kNodes; ++k)
                  if (nodes[k] == n->peer)
                    peer = k;
                h = h * 7u + peer;
              }
              for (U k = 0; k < 8u; ++k)
                h = h * 131u + arr->get(k);
              h = h * 5u + stm::atomic([&] {
                return shared->base + shared->tail + (shared->seeded != nullptr) +
                       (shared->second != nullptr);
              });
              return h * 3u + cell->value + cell->next->value;
            }

            """)

    def program(self):
        r = self.rng
        self.emit(0, f"namespace p{self.seed} {{")
        self.emit(0, "using U = unsigned long;")
        self.emit(0, f"constexpr U kNodes = {self.nodes};")
        self.classes()
        for _ in range(r.randint(2, 5)):
            self.helper(self.pick(HELPER_KINDS))
        self.work()
        threads = r.randint(2, 4)
        self.text(0, f"""
            U run() {{
              Shared *shared = stm::make<Shared>({threads}u + 1u);
              std::vector<U> results({threads});
              std::vector<std::thread> threads;
              for (U t = 0; t < {threads}u; ++t)
                threads.emplace_back([&, t] {{ results[t] = work(t, shared); }});
              for (std::thread &t : threads)
                t.join();
              U h = 0;
              for (U result : results)
                h = h * 1000003u + result;
              for (U s : shared->sum)
                h = h * 31u + s;
              return h;
            }}
            }} // namespace p{self.seed}

            """)
        return "\n".join(self.lines)


def translation_unit(first, count):
    seeds = range(first, first + count)
    parts = [
        f"// Programs {first} to {first + count - 1} of test/fuzz/generate.py.",
        "#include <stmify/stm.hpp>",
        "",
        "#include <cstdio>",
        "#include <cstring>",
        "#include <thread>",
        "#include <utility>",
        "#include <vector>",
        "",
    ]
    parts += [Generator(seed).program() for seed in seeds]
    parts.append("int main(int argc, char **argv) {")
    for seed in seeds:
        parts.append(f'  if (argc < 2 || std::strcmp(argv[1], "p{seed}") == 0)')
        parts.append(f'    std::printf("p{seed} %016lx\\n", p{seed}::run());')
    parts.append("  return 0;")
    parts.append("}")
    return "\n".join(parts) + "\n"


def main():
    first = int(sys.argv[1])
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    sys.stdout.write(translation_unit(first, count))


if __name__ == "__main__":
    main()
