// No include guard: included in two methods, with USE defined by the includer.
USE(this);
