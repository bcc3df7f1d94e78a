// Written as a user would: a word count over a generated text, one task of
// the transaction queue per line, all adding to one stm::dict of strings to
// counts; then the most frequent words and a few lookups.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <stmify/stm.hpp>
#include <string>
#include <utility>
#include <vector>

struct Index : stm::object {
  stm::dict<stm::string, long> counts;
  stm::set<stm::string> long_words;
  long words = 0;
};

std::vector<std::string> make_lines(int lines, int words_per_line) {
  static const char *syllables[] = {"ka", "lo", "mi", "ne", "ru", "sa", "to", "vi", "ze", "qu"};
  std::vector<std::string> text;
  unsigned long x = 2024;
  for (int l = 0; l < lines; ++l) {
    std::string line;
    for (int w = 0; w < words_per_line; ++w) {
      x = x * 6364136223846793005UL + 1442695040888963407UL;
      const int length = 1 + static_cast<int>((x >> 40) % 3);
      unsigned long y = x >> 20;
      if (w)
        line += ' ';
      for (int k = 0; k < length; ++k, y /= 10)
        line += syllables[y % 10];
    }
    text.push_back(line);
  }
  return text;
}

void count_line(Index *index, const std::string &line) {
  std::istringstream words(line);
  std::string word;
  long seen = 0;
  while (words >> word) {
    const stm::string key(word);
    index->counts[key] += 1;
    if (key.size() >= 6)
      index->long_words.insert(key);
    ++seen;
  }
  index->words += seen;
}

int main() {
  const std::vector<std::string> text = make_lines(400, 25);
  Index *index = stm::make<Index>();
  stm::transaction_queue tq;
  for (const std::string &line : text)
    tq.add([index](const std::string &l) { count_line(index, l); }, line);
  tq.run();

  std::vector<std::pair<long, std::string>> ranked;
  long total = 0;
  for (const auto &[word, count] : index->counts) {
    ranked.emplace_back(-count, std::string(word.c_str()));
    total += count;
  }
  std::sort(ranked.begin(), ranked.end());
  std::printf("%zu distinct words, %ld in all, %zu of six letters or more\n", index->counts.size(),
              total, index->long_words.size());
  for (std::size_t i = 0; i < 8 && i < ranked.size(); ++i)
    std::printf("%-8s %ld\n", ranked[i].second.c_str(), -ranked[i].first);
  std::printf("kalomi: %ld, zzz: %ld\n", index->counts.get("kalomi"), index->counts.get("zzz"));
  if (total != 400 * 25 || index->words != total || index->counts.contains("zzz"))
    return EXIT_FAILURE;
  return EXIT_SUCCESS;
}
