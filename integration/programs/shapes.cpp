// Managed classes with inheritance and virtual functions, updated by queued
// tasks; each task only adds, so the totals do not depend on the order.
#include <stmify/stm.hpp>

#include <cstdio>
#include <vector>

struct Shape : stm::object {
  long scaled = 0; // how many times it was scaled
  virtual ~Shape() = default;
  virtual long area() const = 0;
  virtual void grow() = 0;
};

struct Square : Shape {
  long side;
  explicit Square(long s) : side(s) {}
  long area() const override { return side * side; }
  void grow() override {
    side += 1;
    ++scaled;
  }
};

struct Rectangle : Shape {
  long width, height;
  Rectangle(long w, long h) : width(w), height(h) {}
  long area() const override { return width * height; }
  void grow() override {
    width += 1;
    height += 2;
    ++scaled;
  }
};

struct Registry : stm::object {
  long grown = 0;
};

int main() {
  std::vector<Shape *> shapes;
  for (long i = 0; i < 100; ++i) {
    if (i % 2)
      shapes.push_back(stm::make<Square>(i));
    else
      shapes.push_back(stm::make<Rectangle>(i, i + 1));
  }
  Registry *registry = stm::make<Registry>();
  stm::transaction_queue tq;
  for (int round = 0; round < 10; ++round)
    for (Shape *s : shapes)
      tq.add([s, registry] {
        s->grow();
        registry->grown += 1;
      });
  tq.run();
  long total = 0, scaled = 0;
  for (Shape *s : shapes) {
    total += s->area();
    scaled += s->scaled;
  }
  std::printf("total area %ld scaled %ld grown %ld\n", total, scaled, registry->grown);
  return scaled == 1000 && registry->grown == 1000 ? 0 : 1;
}
