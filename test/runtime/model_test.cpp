// Model-based random tester: random operations by several runtime threads,
// driven step by step from one OS thread, each checked against a model that
// predicts exactly what every read returns and exactly when a validation, a
// commit or a request to become inevitable must fail.
//
// Any failing seed reruns alone, with the trace printed:
//   STMIFY_MODEL_SEED=<seed> runtime_model_tests
#include "virtual_threads.h"

#include "test_environment.h"

#include <gtest/gtest.h>

#include <array>
#include <cstdlib>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <vector>

// Safe points and the retry limit are pushed out of the way so that the model
// can predict every step.
STMIFY_TEST_ENVIRONMENT({"STMIFY_SEGMENTS", "4"}, {"STMIFY_HEAP_LIMIT", "256M"},
                        {"STMIFY_RETRY_LIMIT", "1000000"},
                        {"STMIFY_SAFE_POINT_INTERVAL", "1000000000"});

namespace stmtest {
namespace {

constexpr int kFields = 4;
constexpr int kThreads = 3;
constexpr int kInitialObjects = 5;

struct Rec : stm::object {
  long f[kFields] = {};
  using __stmify_traced_type = Rec;
  static void __stmify_trace(const void *, stm_visit_fn, void *) {}
};
using Values = std::array<long, kFields>;

struct Commit {
  std::map<int, Values> objects; // object id -> values after the commit
};

struct ModelObject {
  Rec *ref;
  std::size_t published; // log index of the commit that published it
  std::vector<std::pair<std::size_t, Values>> history; // (log index, values)
};

struct ModelTx {
  bool active = false, doomed = false, inevitable = false;
  std::size_t seen = 0; // log entries [0, seen) are in the transaction's view
  std::map<int, Values> own;  // objects written or created by the transaction
  std::set<int> read, written, created;
  bool has_effects() const { return !written.empty() || !created.empty(); }
};

struct ModelThread {
  ModelTx tx;
  std::size_t ambient_seen = 0;
};

class Model : public VirtualThreads {
protected:
  void run(unsigned seed, int steps, bool verbose);

private:
  Values value_at(int id, std::size_t seen) const {
    const auto &h = objects_[id].history;
    Values v{};
    for (const auto &[index, values] : h)
      if (index < seen)
        v = values;
    return v;
  }
  bool visible(int id, const ModelThread &t) const {
    if (t.tx.active && t.tx.created.count(id))
      return true;
    std::size_t seen = t.tx.active ? t.tx.seen : t.ambient_seen;
    return objects_[id].published < seen;
  }
  // The runtime's validation rule: walk the entries after `seen`; stop at the
  // first one that writes an object the transaction has read.
  bool validate_model(ModelTx &tx) {
    if (tx.inevitable)
      return true;
    if (tx.doomed)
      return false;
    for (; tx.seen < log_.size(); ++tx.seen)
      for (const auto &[id, values] : log_[tx.seen].objects)
        if (tx.read.count(id)) {
          tx.doomed = true;
          return false;
        }
    return true;
  }
  void publish(ModelTx &tx) {
    Commit c;
    for (int id : tx.written)
      c.objects[id] = tx.own[id];
    for (int id : tx.created)
      c.objects[id] = tx.own[id];
    std::size_t index = log_.size();
    for (const auto &[id, values] : c.objects) {
      objects_[id].history.push_back({index, values});
      if (tx.created.count(id))
        objects_[id].published = index;
    }
    log_.push_back(std::move(c));
  }
  void finish(int t) {
    if (model_[t].tx.inevitable)
      inevitable_holder_ = -1;
    model_[t].tx = ModelTx{};
    model_[t].ambient_seen = log_.size();
  }

  std::vector<Commit> log_;
  std::vector<ModelObject> objects_;
  ModelThread model_[kThreads];
  int inevitable_holder_ = -1;
  std::vector<std::string> trace_;
};

void Model::run(unsigned seed, int steps, bool verbose) {
  std::mt19937 rng(seed);
  auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<unsigned>(n)); };
  auto note = [&](const std::string &s) {
    trace_.push_back(s);
    if (verbose)
      std::fprintf(stderr, "%s\n", s.c_str());
  };
  auto fail = [&](const std::string &what) {
    std::ostringstream out;
    out << what << "\nreproduce with: STMIFY_MODEL_SEED=" << seed
        << " runtime_model_tests\nlast steps:\n";
    std::size_t from = trace_.size() > 40 ? trace_.size() - 40 : 0;
    for (std::size_t i = from; i < trace_.size(); ++i)
      out << "  " << trace_[i] << "\n";
    return out.str();
  };

  // Setup: thread 0 creates and publishes the initial objects; every thread
  // then starts from that state.
  as(0);
  Commit setup;
  for (int i = 0; i < kInitialObjects; ++i) {
    Rec *r = stm::make<Rec>();
    Values v{};
    for (int f = 0; f < kFields; ++f) {
      v[f] = pick(100);
      stm::wr(r)->f[f] = v[f];
    }
    objects_.push_back({r, 0, {{0, v}}});
  }
  stm::detail::ambient_boundary("setup");
  log_.push_back(setup);
  for (int t = 0; t < kThreads; ++t) {
    as(t);
    stm::detail::ambient_boundary("start");
    model_[t].ambient_seen = log_.size();
  }

  for (int step = 0; step < steps; ++step) {
    const int t = pick(kThreads);
    as(t);
    ModelThread &m = model_[t];
    ModelTx &tx = m.tx;
    std::ostringstream op;
    op << "step " << step << " thread " << t << ": ";

    // Objects this thread may name (it could have obtained a reference).
    std::vector<int> usable;
    for (int id = 0; id < static_cast<int>(objects_.size()); ++id)
      if (objects_[id].ref && visible(id, m))
        usable.push_back(id);

    if (!tx.active) {
      int choice = pick(10);
      if (choice < 6) {
        op << "begin";
        note(op.str());
        stm_start_transaction();
        tx.active = true;
        tx.seen = log_.size();
      } else if (choice < 8 && !usable.empty()) {
        int id = usable[pick(static_cast<int>(usable.size()))], f = pick(kFields);
        long expect = value_at(id, m.ambient_seen)[f];
        op << "outside read obj" << id << ".f" << f << " expect " << expect;
        note(op.str());
        long got = stm::rd(objects_[id].ref)->f[f];
        ASSERT_EQ(got, expect) << fail("outside read returned a wrong value");
      } else if (choice < 9) {
        op << "boundary";
        note(op.str());
        stm::detail::ambient_boundary("model");
        m.ambient_seen = log_.size();
      } else {
        op << "reclaim";
        note(op.str());
        stm::testing::reclaim_log();
      }
      continue;
    }

    int choice = pick(100);
    if (choice < 35 && !usable.empty()) {
      int id = usable[pick(static_cast<int>(usable.size()))], f = pick(kFields);
      long expect = tx.own.count(id) ? tx.own[id][f] : value_at(id, tx.seen)[f];
      op << "read obj" << id << ".f" << f << " expect " << expect;
      note(op.str());
      long got = stm::rd(objects_[id].ref)->f[f];
      ASSERT_EQ(got, expect) << fail("read returned a wrong value");
      tx.read.insert(id);
    } else if (choice < 60 && !usable.empty()) {
      int id = usable[pick(static_cast<int>(usable.size()))], f = pick(kFields);
      long v = pick(1000);
      op << "write obj" << id << ".f" << f << " = " << v;
      note(op.str());
      stm::wr(objects_[id].ref)->f[f] = v;
      if (!tx.own.count(id))
        tx.own[id] = value_at(id, tx.seen);
      tx.own[id][f] = v;
      tx.read.insert(id);
      if (!tx.created.count(id))
        tx.written.insert(id);
    } else if (choice < 64) {
      int id = static_cast<int>(objects_.size());
      op << "allocate obj" << id;
      note(op.str());
      objects_.push_back({stm::make<Rec>(), ~std::size_t(0), {}});
      tx.created.insert(id);
      tx.own[id] = Values{};
    } else if (choice < 80) {
      bool expect;
      if (tx.doomed)
        expect = false;
      else if (!tx.has_effects() || tx.inevitable)
        expect = true;
      else if (!validate_model(tx))
        expect = false;
      else
        expect = inevitable_holder_ == -1;
      op << "commit expect " << (expect ? "success" : "conflict");
      note(op.str());
      bool ok = stm_commit_transaction() == 0;
      ASSERT_EQ(ok, expect) << fail("commit outcome differs from the model");
      if (ok && tx.has_effects())
        publish(tx);
      if (!ok)
        for (int id : tx.created)
          objects_[id].ref = nullptr; // dropped with the transaction
      finish(t);
    } else if (choice < 85 && !tx.inevitable) { // an inevitable one cannot
      op << "abort";
      note(op.str());
      stm_abort_transaction();
      for (int id : tx.created)
        objects_[id].ref = nullptr;
      finish(t);
    } else if (choice < 95 || tx.inevitable) {
      bool expect = validate_model(tx);
      op << "validate expect " << (expect ? "ok" : "conflict");
      note(op.str());
      bool ok = stm_validate() == 0;
      ASSERT_EQ(ok, expect) << fail("validation outcome differs from the model");
    } else {
      bool expect;
      if (tx.inevitable)
        expect = true;
      else if (!validate_model(tx))
        expect = false;
      else if (inevitable_holder_ != -1) {
        tx.doomed = true; // in test mode the wait becomes an abort
        expect = false;
      } else {
        expect = true;
      }
      op << "become inevitable expect " << (expect ? "yes" : "no");
      note(op.str());
      bool ok = stm_become_inevitable("model") == 0;
      ASSERT_EQ(ok, expect) << fail("become_inevitable outcome differs from the model");
      if (ok) {
        tx.inevitable = true;
        inevitable_holder_ = t;
      }
    }
  }
  // Leave every thread outside a transaction.
  for (int t = 0; t < kThreads; ++t) {
    as(t);
    if (model_[t].tx.inevitable)
      EXPECT_EQ(stm_commit_transaction(), 0);
    else if (model_[t].tx.active)
      stm_abort_transaction();
  }
}

class ModelSeeds : public Model, public ::testing::WithParamInterface<unsigned> {};

TEST_P(ModelSeeds, AgreesWithTheRuntime) {
  const char *only = std::getenv("STMIFY_MODEL_SEED");
  if (only && std::strtoul(only, nullptr, 10) != GetParam())
    GTEST_SKIP() << "STMIFY_MODEL_SEED selects another seed";
  run(GetParam(), 1500, only != nullptr);
}

INSTANTIATE_TEST_SUITE_P(Seeds, ModelSeeds, ::testing::Range(1u, 201u));

} // namespace
} // namespace stmtest
