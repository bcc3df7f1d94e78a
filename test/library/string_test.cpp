// stm::string as a user writes it: fields of managed classes, locals, keys
// of standard containers, in atomic blocks and threads. Built with the plugin
// (two segments, forced aborts) and without it; both must pass.
#include <stmify/stm.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <unordered_set>
#include <utility>
#include <vector>

namespace {

struct Customer : stm::object {
  stm::string name;
  stm::string city;
  std::pair<stm::string, long> tag{"none", 0};
  std::optional<stm::string> nickname;
  long visits = 0;
  Customer *referrer = nullptr;
  Customer(const char *name, stm::string city) : name(name), city(city) {}
};

struct Journal : stm::object {
  stm::string text;
  long entries = 0;
};

TEST(String, BehavesLikeAValueInAField) {
  Customer *c = stm::make<Customer>("Ada", "London");
  stm::atomic([&] {
    c->name = c->name + " Lovelace";
    c->visits += 1;
  });
  EXPECT_EQ(c->name, "Ada Lovelace");
  std::string copy = c->name;
  EXPECT_EQ(copy, "Ada Lovelace");
  EXPECT_EQ(c->name.size(), 12u);
  EXPECT_STREQ(c->name.c_str(), "Ada Lovelace");
  EXPECT_EQ(c->name.substr(4), "Lovelace");
  EXPECT_EQ(c->name.substr(4, 4), std::string("Love"));
  EXPECT_EQ(c->name.find("Love"), 4u);
  EXPECT_EQ(c->name.find('z'), stm::string::npos);
  EXPECT_EQ(c->name[0], 'A');
  EXPECT_EQ(c->name.back(), 'e');
  EXPECT_THROW(c->name.at(12), std::out_of_range);
  EXPECT_EQ(std::hash<stm::string>{}(c->name), std::hash<std::string>{}(copy));
  EXPECT_LT(c->name, c->city);
  EXPECT_TRUE("London" == c->city);
  const stm::string city = c->city;
  EXPECT_TRUE(std::string("London") == city);
  EXPECT_NE(c->name, c->city);

  stm::string before = c->name;
  c->name = "Grace";
  EXPECT_EQ(before, "Ada Lovelace") << "a copy keeps its characters";
  EXPECT_EQ(c->name, "Grace");
  c->name += '!';
  c->name += std::string(" Hopper");
  EXPECT_EQ(c->name, "Grace! Hopper");

  std::ostringstream out;
  out << c->name << '|' << city;
  EXPECT_EQ(out.str(), "Grace! Hopper|London");

  std::string text;
  for (char ch : c->city)
    text += ch;
  EXPECT_EQ(text, "London");
  EXPECT_TRUE(stm::string().empty());
  EXPECT_STREQ(stm::string().c_str(), "");
  EXPECT_EQ(stm::string(3, 'x'), "xxx");
}

TEST(String, ReadsLikeAStdString) {
  const stm::string s = "key=value;";
  const std::string same = "key=value;";
  EXPECT_TRUE(s.starts_with("key"));
  EXPECT_TRUE(s.starts_with('k'));
  EXPECT_FALSE(s.starts_with("value"));
  EXPECT_TRUE(s.ends_with(";"));
  EXPECT_TRUE(s.ends_with(';'));
  EXPECT_TRUE(s.contains("=v"));
  EXPECT_FALSE(s.contains('x'));
  EXPECT_EQ(s.find_first_of("=;"), same.find_first_of("=;"));
  EXPECT_EQ(s.find_last_of("=;"), same.find_last_of("=;"));
  EXPECT_EQ(s.find_first_not_of("yek"), same.find_first_not_of("yek"));
  EXPECT_EQ(s.find_last_not_of(";"), same.find_last_not_of(";"));
  EXPECT_EQ(std::string(s.rbegin(), s.rend()), std::string(same.rbegin(), same.rend()));
  EXPECT_EQ(stm::string(same.begin() + 4, same.end()), "value;");
  EXPECT_EQ(stm::string(s, 4), "value;");
  EXPECT_EQ(stm::string(s, 4, 5), "value");
  EXPECT_EQ(stm::string("abcdef", 3), "abc");
  EXPECT_EQ('<' + s + '>', "<key=value;>");
  EXPECT_GT(s.max_size(), 1000u);
  std::istringstream in("first second");
  stm::string word;
  in >> word;
  EXPECT_EQ(word, "first");
  in >> word;
  EXPECT_EQ(word, "second");
  EXPECT_FALSE(in >> word);
  EXPECT_EQ(word, "second");
}

TEST(String, WrappersAndOptionalFieldsHoldStrings) {
  Customer *c = stm::make<Customer>("Alan", "Wilmslow");
  stm::atomic([&] {
    c->tag = {stm::string("vip-") + c->name, 3};
    c->nickname = stm::string("Prof");
  });
  EXPECT_EQ(c->tag.first, "vip-Alan");
  EXPECT_EQ(c->tag.second, 3);
  ASSERT_TRUE(c->nickname.has_value());
  EXPECT_EQ(*c->nickname, "Prof");
}

TEST(String, ARetriedBlockAppendsOnce) {
  const unsigned long long aborts = stm::stats().aborts;
  Journal *journal = stm::make<Journal>();
  stm::string local = "start";
  for (int i = 0; i < 20; ++i)
    stm::atomic([&] {
      journal->text += std::to_string(i % 10);
      journal->entries += 1;
      local += ".";
    });
  EXPECT_EQ(journal->text, "01234567890123456789");
  EXPECT_EQ(journal->entries, 20);
  EXPECT_EQ(local, "start....................");
  if (stm::instrumented) {
    EXPECT_GE(stm::stats().aborts - aborts, 40u) << "every block aborts its first two attempts";
  }
}

stm::string g_journal;
struct Entry {
  stm::string text;
  long count = 0;
};
void append_to(stm::string &out, const char *text) { out += text; }

// Strings outside the block that it writes in place: a global, an element of
// a std::vector, a member of a local struct, one behind a reference. Each
// retry must start from the value before the block.
TEST(String, ARetriedBlockWritesStringsOutsideItOnce) {
  std::vector<stm::string> lines(1);
  Entry entry;
  stm::string behind_reference;
  for (int i = 0; i < 3; ++i) {
    stm::atomic([&] { g_journal += "g"; });
    stm::atomic([&] { lines[0] += "v"; });
    stm::atomic([&] { entry.text += "e"; });
    stm::atomic([&] { append_to(behind_reference, "r"); });
  }
  EXPECT_EQ(g_journal, "ggg");
  EXPECT_EQ(lines[0], "vvv");
  EXPECT_EQ(entry.text, "eee");
  EXPECT_EQ(behind_reference, "rrr");
}

struct Person : stm::object {
  stm::string first, last;
  Person(const char *first, const char *last) : first(first), last(last) {}
  stm::string full_name() const { return first + " " + last; }
};

TEST(String, FieldsCombineOutsideAtomicBlocks) {
  Person *p = stm::make<Person>("Barbara", "Liskov");
  EXPECT_EQ(p->full_name(), "Barbara Liskov");
  stm::string initials = p->first.substr(0, 1) + '.' + p->last.substr(0, 1) + '.';
  EXPECT_EQ(initials, "B.L.");
  stm::string both = p->first + " " + p->last;
  EXPECT_EQ(both, "Barbara Liskov");
  EXPECT_EQ('[' + p->last + ']', "[Liskov]");
  EXPECT_TRUE(p->first < p->last);
  EXPECT_EQ(p->last.find(p->first.substr(0, 1)), stm::string::npos);
}

// Assigning text to a field makes a string after the field's address was
// taken. Outside atomic blocks nothing there may give the segment up: the
// first string of a process registered the characters' type there, which
// waits for the registry, until the type was registered at start.
TEST(String, AFieldIsAssignedAndAppendedToOutsideAtomicBlocks) {
  Journal *j = stm::make<Journal>();
  j->text = "first entry"; // the process's first string (a test runs alone)
  j->text += std::string(", second");
  Customer *c = stm::make<Customer>("Ada", "London");
  c->name = "Ada King";
  c->name += ", Countess";
  c->name += std::string(" of");
  c->name += stm::string(" Lovelace");
  c->name += '!';
  c->city = std::string("Marylebone");
  c->tag.first = std::string_view("poet");
  for (int i = 0; i < 100; ++i)
    j->text += std::to_string(i % 10);
  EXPECT_EQ(c->name, "Ada King, Countess of Lovelace!");
  EXPECT_EQ(c->city, "Marylebone");
  EXPECT_EQ(c->tag.first, "poet");
  EXPECT_EQ(j->text.size(), 119u);
  EXPECT_TRUE(j->text.starts_with("first entry, second0123"));
  stm::string seen;
  std::thread reader([&] { stm::atomic([&] { seen = c->name + " in " + c->city; }); });
  reader.join();
  EXPECT_EQ(seen, "Ada King, Countess of Lovelace! in Marylebone");
}

struct Badge : stm::object {
  std::optional<stm::string> label;
  std::optional<stm::string> note;
};

// The same for a string constructed in place in a field, as std::optional
// does, which then marks itself engaged through the field's address.
TEST(String, AnOptionalFieldIsSetFromTextOutsideAtomicBlocks) {
  Badge *b = stm::make<Badge>();
  b->label = "first"; // the process's first string (a test runs alone)
  b->note.emplace(3, 'x');
  b->label = std::string("second");
  EXPECT_EQ(b->label, "second");
  EXPECT_EQ(b->note, "xxx");
  stm::string seen;
  std::thread reader([&] { stm::atomic([&] { seen = *b->label + *b->note; }); });
  reader.join();
  EXPECT_EQ(seen, "secondxxx");
}

#if defined(__STMIFY__)
TEST(String, ACancelledBlockRestoresFieldsAndLocals) {
  Customer *c = stm::make<Customer>("Edsger", "Nuenen");
  stm::string local = "kept";
  EXPECT_THROW(stm::atomic_cancel([&] {
                 c->name = "changed";
                 local = c->name + "!";
                 throw std::runtime_error("cancel");
               }),
               std::runtime_error);
  EXPECT_EQ(c->name, "Edsger");
  EXPECT_EQ(local, "kept");
}
#endif

TEST(String, StringsReachableOnlyFromObjectsSurviveCollections) {
  Customer *head = nullptr;
  for (int i = 0; i < 2000; ++i) {
    Customer *c = stm::make<Customer>("", "Paris");
    c->name = "customer-" + std::to_string(i);
    c->referrer = head;
    head = c;
  }
  // Garbage of the same sizes, made after a collection, takes the memory of
  // whatever it freed.
  Journal *scratch = stm::make<Journal>();
  for (int round = 0; round < 2; ++round) {
    stm::collect();
    for (int i = 0; i < 20000; ++i)
      scratch->text = "garbage-" + std::to_string(i % 10000);
  }
  int i = 1999;
  for (Customer *c = head; c; c = c->referrer, --i) {
    const stm::string name = c->name;
    ASSERT_EQ(name, "customer-" + std::to_string(i));
    ASSERT_EQ(c->city, "Paris");
  }
  EXPECT_EQ(i, -1);
}

TEST(String, DroppedStringsAreReclaimed) {
  Journal *scratch = stm::make<Journal>();
  // 64 MiB of strings through one field: far more than the heap keeps.
  for (int i = 0; i < 64 * 1024; ++i)
    scratch->text = stm::string(1000, static_cast<char>('a' + i % 26));
  stm::collect();
  if (stm::instrumented) {
    EXPECT_GT(stm::stats().collections, 0u);
    EXPECT_LT(stm::stats().live_bytes, 16u << 20);
  }
  const stm::string last = scratch->text;
  EXPECT_EQ(last, stm::string(1000, static_cast<char>('a' + (64 * 1024 - 1) % 26)));
}

TEST(String, ThreadsAppendToOneFieldAndNameTheirOwnObjects) {
  Journal *journal = stm::make<Journal>();
  const stm::string shared_city = "Zurich";
  std::vector<Customer *> mine(4);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      Customer *own = stm::make<Customer>("", shared_city);
      mine[t] = own;
      for (int i = 0; i < 300; ++i)
        stm::atomic([&] {
          journal->text += static_cast<char>('a' + t);
          journal->entries += 1;
          own->name = "thread" + std::to_string(t) + "-" + std::to_string(i);
          own->visits += own->city == "Zurich" ? 1 : 100;
        });
    });
  for (std::thread &thread : threads)
    thread.join();
  EXPECT_EQ(journal->entries, 1200);
  std::string text = journal->text;
  ASSERT_EQ(text.size(), 1200u);
  for (char letter : {'a', 'b', 'c', 'd'})
    EXPECT_EQ(std::count(text.begin(), text.end(), letter), 300) << letter;
  for (int t = 0; t < 4; ++t) {
    const stm::string name = mine[t]->name;
    EXPECT_EQ(name, "thread" + std::to_string(t) + "-299");
    EXPECT_EQ(mine[t]->visits, 300);
  }
}

TEST(String, KeysOfStandardContainersAndAlgorithms) {
  std::vector<stm::string> names = {"mallory", "alice", "carol", "bob"};
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names.front(), "alice");
  EXPECT_EQ(names.back(), "mallory");
  std::unordered_set<stm::string> seen(names.begin(), names.end());
  EXPECT_EQ(seen.count("carol"), 1u);
  EXPECT_EQ(seen.count("dave"), 0u);
  std::map<stm::string, int> lengths;
  for (const stm::string &n : names)
    lengths[n] = static_cast<int>(n.size());
  stm::collect();
  EXPECT_EQ(lengths.at("bob"), 3);
  EXPECT_EQ(std::string(lengths.rbegin()->first), "mallory");
}

} // namespace
