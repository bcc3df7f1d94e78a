// No include guard: included as a statement, with OP defined by the includer.
n->value OP 1;
