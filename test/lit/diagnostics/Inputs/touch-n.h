// No include guard: included as a statement.
n->value += 1;
