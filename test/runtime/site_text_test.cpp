// Site text, as the transformer writes it and the conflict report and
// stmify-log read it back (runtime/site_text.h).
#include "site_text.h"

#include <gtest/gtest.h>

namespace {

using stm::site_text::parse_site;
using stm::site_text::site_of_reason;

TEST(SiteText, ASiteNamesItsFileLineColumnAndFunction) {
  const auto s = parse_site("src/bank.cpp:44:7 (in bank::Bank::transfer)");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->file, "src/bank.cpp");
  EXPECT_EQ(s->line, 44);
  EXPECT_EQ(s->column, 7);
  EXPECT_EQ(s->function, "bank::Bank::transfer");
}

TEST(SiteText, ASiteOutsideFunctionsHasNoFunction) {
  const auto s = parse_site("a.cpp:3:5");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->file, "a.cpp");
  EXPECT_EQ(s->line, 3);
  EXPECT_EQ(s->function, "");
}

TEST(SiteText, PathsAndFunctionsMayHoldColonsSpacesAndParentheses) {
  const auto s =
      parse_site("C:/my src (in progress)/v.cpp:12:9 (in (anonymous namespace)::Vec::operator())");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->file, "C:/my src (in progress)/v.cpp");
  EXPECT_EQ(s->line, 12);
  EXPECT_EQ(s->column, 9);
  EXPECT_EQ(s->function, "(anonymous namespace)::Vec::operator()");
}

TEST(SiteText, APathMayHoldWhatLooksLikeAFunction) {
  const auto s = parse_site("/w/build:2 (in progress)/a.cpp:3:5 (in main)");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->file, "/w/build:2 (in progress)/a.cpp");
  EXPECT_EQ(s->line, 3);
  EXPECT_EQ(s->function, "main");
}

TEST(SiteText, ASiteCutShortKeepsItsLocationAndWhatIsLeftOfItsFunction) {
  const auto s = parse_site("a.cpp:3:5 (in very::long::na");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->file, "a.cpp");
  EXPECT_EQ(s->column, 5);
  EXPECT_EQ(s->function, "very::long::na");
}

TEST(SiteText, TextThatIsNotASiteIsRefused) {
  for (const char *text : {"", "named block", "a.cpp", "a.cpp:3", "a.cpp:x:5", "a.cpp:0:5", ":3:5",
                           "a.cpp:3:5x", "a.cpp:3:5 in main"})
    EXPECT_FALSE(parse_site(text)) << text;
}

TEST(SiteText, AReasonEndsInItsSite) {
  EXPECT_EQ(site_of_reason("call to 'printf' at log.cpp:31:7 (in log_totals)"),
            "log.cpp:31:7 (in log_totals)");
  EXPECT_EQ(site_of_reason("std::atomic::operator bool at a.cpp:20:11"), "a.cpp:20:11");
  EXPECT_EQ(site_of_reason("call to 'look at' at a.cpp:2:1 (in f)"), "a.cpp:2:1 (in f)");
  EXPECT_EQ(site_of_reason("call to 'look at it' at a.cpp:2:1 (in f)"), "a.cpp:2:1 (in f)");
  EXPECT_EQ(site_of_reason("retry limit reached"), "");
}

} // namespace
