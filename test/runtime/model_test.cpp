// Model-based random tester: random operations by several runtime threads,
// driven step by step from one OS thread, each checked against a model that
// predicts exactly what every read returns and exactly when a validation, a
// commit or a request to become inevitable must fail. The operations include
// writes outside atomic blocks (merged with others' commits byte by byte, as
// the runtime does), threads giving their segment up and taking one back,
// idle segments dropping their copy (so that taking one back copies the heap
// from another segment), collections in the middle of all that, and an
// inevitable transaction blocking (suspended) while others commit.
//
// Any failing seed reruns alone, with the trace printed:
//   STMIFY_MODEL_SEED=<seed> runtime_model_tests
// Many seeds (docs/testing.md):
//   STMIFY_MODEL_SEEDS=10000 runtime_model_tests --gtest_filter='*ManySeeds*'
#include "virtual_threads.h"

#include "test_environment.h"

#include <gtest/gtest.h>

#include <array>
#include <cstdlib>
#include <cstring>
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
  std::map<int, Values> own; // objects written or created by the transaction
  std::set<int> read, written, created;
  bool has_effects() const { return !written.empty() || !created.empty(); }
};

// Code outside atomic blocks: its view of the objects it wrote or created
// (the segment's bytes) and their backups, merged with others' commits.
struct ModelAmbient {
  std::size_t seen = 0;
  std::map<int, Values> window, backup;
  std::set<int> created;
  bool has_effects() const { return !window.empty(); }
};

struct ModelThread {
  ModelTx tx;
  ModelAmbient ambient;
  bool attached = true;
};

// The runtime's import into an object an ambient transaction wrote: bytes it
// changed stay, the others take the commit's, the backup takes the commit's.
void merge(Values &window, Values &backup, const Values &incoming) {
  for (int f = 0; f < kFields; ++f) {
    unsigned char w[sizeof(long)], b[sizeof(long)], in[sizeof(long)];
    std::memcpy(w, &window[f], sizeof w);
    std::memcpy(b, &backup[f], sizeof b);
    std::memcpy(in, &incoming[f], sizeof in);
    for (std::size_t i = 0; i < sizeof(long); ++i)
      if (w[i] == b[i])
        w[i] = in[i];
    std::memcpy(&window[f], w, sizeof w);
    backup[f] = incoming[f];
  }
}

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
    if (!t.tx.active && t.ambient.created.count(id))
      return true;
    std::size_t seen = t.tx.active ? t.tx.seen : t.ambient.seen;
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
  // Imports the log into the ambient view (a refresh).
  void refresh_ambient(ModelAmbient &a) {
    for (; a.seen < log_.size(); ++a.seen)
      for (const auto &[id, values] : log_[a.seen].objects)
        if (a.window.count(id) && !a.created.count(id))
          merge(a.window[id], a.backup[id], values);
  }
  // Would a commit of these objects wait for the inevitable transaction? It
  // waits unless that one is suspended and read none of them.
  bool would_wait(const std::set<int> &written) const {
    if (inevitable_holder_ == -1)
      return false;
    if (!suspended_)
      return true;
    const ModelTx &holder = model_[inevitable_holder_].tx;
    for (int id : written)
      if (holder.read.count(id))
        return true;
    return false;
  }
  std::set<int> ambient_written(const ModelAmbient &a) const {
    std::set<int> ids;
    for (const auto &[id, values] : a.window)
      if (!a.created.count(id))
        ids.insert(id);
    return ids;
  }
  // May the ambient transaction publish now? (In test mode a wait for the
  // inevitable transaction stops the program, so the model never asks.)
  bool ambient_may_publish(const ModelAmbient &a) const {
    return !a.has_effects() || !would_wait(ambient_written(a));
  }
  void add_to_log(const Commit &c, const std::set<int> &created) {
    std::size_t index = log_.size();
    for (const auto &[id, values] : c.objects) {
      objects_[id].history.push_back({index, values});
      if (created.count(id))
        objects_[id].published = index;
    }
    log_.push_back(c);
  }
  void publish(ModelTx &tx) {
    Commit c;
    for (int id : tx.written)
      c.objects[id] = tx.own[id];
    for (int id : tx.created)
      c.objects[id] = tx.own[id];
    add_to_log(c, tx.created);
  }
  // A boundary outside atomic blocks: refresh, publish, start afresh.
  void publish_ambient(ModelAmbient &a) {
    refresh_ambient(a);
    if (a.has_effects()) {
      Commit c;
      c.objects = a.window;
      add_to_log(c, a.created);
    }
    a = ModelAmbient{};
    a.seen = log_.size();
  }
  void finish(int t) {
    if (model_[t].tx.inevitable) {
      inevitable_holder_ = -1;
      suspended_ = false;
    }
    model_[t].tx = ModelTx{};
    model_[t].ambient = ModelAmbient{};
    model_[t].ambient.seen = log_.size();
  }

  // Everything the model knows; fresh for every seed.
  std::vector<Commit> log_;
  std::vector<ModelObject> objects_;
  ModelThread model_[kThreads];
  int inevitable_holder_ = -1;
  bool suspended_ = false;
  std::vector<std::string> trace_;

  void reset() {
    log_.clear();
    objects_.clear();
    for (ModelThread &m : model_)
      m = ModelThread{};
    inevitable_holder_ = -1;
    suspended_ = false;
    trace_.clear();
  }
};

void Model::run(unsigned seed, int steps, bool verbose) {
  reset();
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
    model_[t].ambient.seen = log_.size();
  }

  for (int step = 0; step < steps; ++step) {
    const int t = pick(kThreads);
    ModelThread &m = model_[t];
    ModelTx &tx = m.tx;
    ModelAmbient &amb = m.ambient;
    std::ostringstream op;
    op << "step " << step << " thread " << t << ": ";

    if (t == inevitable_holder_ && suspended_) { // blocked: it can only wake up
      op << "resume (the blocking call returns)";
      note(op.str());
      as(t);
      stm::testing::resume_current();
      suspended_ = false;
      tx.seen = log_.size();
      continue;
    }
    as(t); // a detached thread attaches again here (and refreshes)
    if (!m.attached) {
      m.attached = true;
      amb.seen = log_.size();
    }

    // Objects this thread may name (it could have obtained a reference).
    std::vector<int> usable;
    for (int id = 0; id < static_cast<int>(objects_.size()); ++id)
      if (objects_[id].ref && visible(id, m))
        usable.push_back(id);

    if (!tx.active) {
      const int choice = pick(100);
      if (choice < 40) {
        if (!ambient_may_publish(amb))
          continue; // beginning would publish, and wait
        op << "begin";
        note(op.str());
        stm_start_transaction();
        publish_ambient(amb);
        tx.active = true;
        tx.seen = log_.size();
      } else if (choice < 55 && !usable.empty()) {
        int id = usable[pick(static_cast<int>(usable.size()))], f = pick(kFields);
        long expect = amb.window.count(id) ? amb.window[id][f] : value_at(id, amb.seen)[f];
        op << "outside read obj" << id << ".f" << f << " expect " << expect;
        note(op.str());
        long got = stm::rd(objects_[id].ref)->f[f];
        ASSERT_EQ(got, expect) << fail("outside read returned a wrong value");
      } else if (choice < 68 && !usable.empty()) {
        int id = usable[pick(static_cast<int>(usable.size()))], f = pick(kFields);
        // Values that differ from others' in some bytes only: the merge is
        // byte by byte.
        long v = pick(4) == 0 ? pick(1000) : (long(pick(4)) << 8) | pick(256);
        op << "outside write obj" << id << ".f" << f << " = " << v;
        note(op.str());
        stm::wr(objects_[id].ref)->f[f] = v;
        if (!amb.window.count(id)) {
          amb.window[id] = value_at(id, amb.seen);
          amb.backup[id] = amb.window[id];
        }
        amb.window[id][f] = v;
      } else if (choice < 72) {
        int id = static_cast<int>(objects_.size());
        op << "outside allocate obj" << id;
        note(op.str());
        objects_.push_back({stm::make<Rec>(), ~std::size_t(0), {}});
        amb.created.insert(id);
        amb.window[id] = Values{};
      } else if (choice < 82) {
        if (!ambient_may_publish(amb))
          continue;
        op << "boundary (publish and refresh)";
        note(op.str());
        stm::detail::ambient_boundary("model");
        publish_ambient(amb);
      } else if (choice < 88) {
        if (!ambient_may_publish(amb))
          continue;
        op << "detach (a blocking call: publish, give the segment up)";
        note(op.str());
        stm::testing::detach_current();
        publish_ambient(amb);
        m.attached = false;
      } else if (choice < 92) {
        op << "refresh";
        note(op.str());
        EXPECT_EQ(stm_validate(), 0);
        refresh_ambient(amb);
      } else if (choice < 95) {
        op << "make idle segments stale";
        note(op.str());
        stm::testing::make_idle_segments_stale();
      } else if (choice < 98) {
        op << "collect";
        note(op.str());
        stm::collect();
      } else {
        op << "reclaim";
        note(op.str());
        stm::testing::reclaim_log();
      }
      continue;
    }

    const int choice = pick(100);
    if (choice < 33 && !usable.empty()) {
      int id = usable[pick(static_cast<int>(usable.size()))], f = pick(kFields);
      long expect = tx.own.count(id) ? tx.own[id][f] : value_at(id, tx.seen)[f];
      op << "read obj" << id << ".f" << f << " expect " << expect;
      note(op.str());
      long got = stm::rd(objects_[id].ref)->f[f];
      ASSERT_EQ(got, expect) << fail("read returned a wrong value");
      tx.read.insert(id);
    } else if (choice < 57 && !usable.empty()) {
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
    } else if (choice < 61) {
      int id = static_cast<int>(objects_.size());
      op << "allocate obj" << id;
      note(op.str());
      objects_.push_back({stm::make<Rec>(), ~std::size_t(0), {}});
      tx.created.insert(id);
      tx.own[id] = Values{};
    } else if (choice < 76) {
      bool expect;
      if (tx.doomed)
        expect = false;
      else if (!tx.has_effects() || tx.inevitable)
        expect = true;
      else if (!validate_model(tx))
        expect = false;
      else
        expect = !would_wait(tx.written); // in test mode a wait becomes an abort
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
    } else if (choice < 80 && !tx.inevitable) { // an inevitable one cannot
      op << "abort";
      note(op.str());
      stm_abort_transaction();
      for (int id : tx.created)
        objects_[id].ref = nullptr;
      finish(t);
    } else if (choice < 84 && tx.inevitable) {
      op << "suspend (block in a call)";
      note(op.str());
      stm::testing::suspend_current();
      suspended_ = true;
    } else if (choice < 86) {
      op << "collect";
      note(op.str());
      stm::collect();
    } else if (choice < 94 || tx.inevitable) {
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
  if (inevitable_holder_ != -1 && suspended_) {
    as(inevitable_holder_);
    stm::testing::resume_current();
  }
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

// STMIFY_MODEL_SEEDS=N runs seeds 1..N here, one after another (on the same
// runtime threads).
class ManySeeds : public Model {};

TEST_F(ManySeeds, AgreeWithTheRuntime) {
  const char *count = std::getenv("STMIFY_MODEL_SEEDS");
  if (!count)
    GTEST_SKIP() << "set STMIFY_MODEL_SEEDS=N to run seeds 1..N";
  const unsigned n = static_cast<unsigned>(std::strtoul(count, nullptr, 10));
  for (unsigned seed = 1; seed <= n && !HasFailure(); ++seed)
    run(seed, 1500, false);
}

} // namespace
} // namespace stmtest
