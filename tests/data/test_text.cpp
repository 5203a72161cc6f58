// Text utilities: HTML entity decoding, title normalisation, trigram and edit distance.
#include <gtest/gtest.h>

#include "data/text.h"

namespace anirec {
namespace {

TEST(DecodeHtmlEntities, NamedEntitiesCommonInTitles) {
    EXPECT_EQ(decode_html_entities("Fate/stay night: Unlimited Blade Works &amp; more"),
              "Fate/stay night: Unlimited Blade Works & more");
    EXPECT_EQ(decode_html_entities("&quot;Bungaku Shoujo&quot; Movie"), "\"Bungaku Shoujo\" Movie");
    EXPECT_EQ(decode_html_entities("JoJo&#039;s Bizarre Adventure"), "JoJo's Bizarre Adventure");
    EXPECT_EQ(decode_html_entities("Kino&apos;s Journey"), "Kino's Journey");
    EXPECT_EQ(decode_html_entities("a &lt;b&gt; c"), "a <b> c");
    EXPECT_EQ(decode_html_entities("Kaze no Stigma&hellip;"), "Kaze no Stigma\u2026");
    EXPECT_EQ(decode_html_entities("Pok&eacute;mon"), "Pok\u00e9mon");
    EXPECT_EQ(decode_html_entities("Hunter &times; Hunter"), "Hunter \u00d7 Hunter");
    EXPECT_EQ(decode_html_entities("Stra&szlig;e &AElig;on &yuml;"), "Stra\u00dfe \u00c6on \u00ff");
    EXPECT_EQ(decode_html_entities("&star;&starf;"), "\u2606\u2605");
}

TEST(DecodeHtmlEntities, NumericReferencesToUtf8) {
    EXPECT_EQ(decode_html_entities("&#65;&#x42;&#X43;"), "ABC");
    EXPECT_EQ(decode_html_entities("&#233;"), "\u00e9");                   // 2-byte UTF-8
    EXPECT_EQ(decode_html_entities("&#x2606;"), "\u2606");                 // 3-byte
    EXPECT_EQ(decode_html_entities("&#x1F600;"), "\U0001F600");            // 4-byte
    EXPECT_EQ(decode_html_entities("&#12354;"), "\u3042");                 // あ
    EXPECT_EQ(decode_html_entities("&#150;"), "\u2013");                   // Windows-1252 en dash
    EXPECT_EQ(decode_html_entities("&#0;"), "\ufffd");
    EXPECT_EQ(decode_html_entities("&#x110000;"), "\ufffd");
    EXPECT_EQ(decode_html_entities("&#xD800;"), "\ufffd");                 // surrogate
}

TEST(DecodeHtmlEntities, LeavesNonReferencesAlone) {
    EXPECT_EQ(decode_html_entities("AT&T"), "AT&T");
    EXPECT_EQ(decode_html_entities("Steins;Gate"), "Steins;Gate");
    EXPECT_EQ(decode_html_entities("a & b; c"), "a & b; c");
    EXPECT_EQ(decode_html_entities("&foo;"), "&foo;");
    EXPECT_EQ(decode_html_entities("&#;&#x;&#12a;"), "&#;&#x;&#12a;");
    EXPECT_EQ(decode_html_entities("&amp"), "&amp");
    EXPECT_EQ(decode_html_entities("&"), "&");
    EXPECT_EQ(decode_html_entities(""), "");
    EXPECT_EQ(decode_html_entities("&amp;amp;"), "&amp;");  // decoded once
}

TEST(NormalizeTitle, CasePunctuationSpaces) {
    EXPECT_EQ(normalize_title("Fullmetal Alchemist: Brotherhood"), "fullmetal alchemist brotherhood");
    EXPECT_EQ(normalize_title("  Shingeki  no   Kyojin "), "shingeki no kyojin");
    EXPECT_EQ(normalize_title("Steins;Gate"), "steins gate");
    EXPECT_EQ(normalize_title("Re:Zero kara Hajimeru Isekai Seikatsu"), "re zero kara hajimeru isekai seikatsu");
    EXPECT_EQ(normalize_title("JoJo's Bizarre Adventure"), "jojos bizarre adventure");
    EXPECT_EQ(normalize_title("JoJo\u2019s Bizarre Adventure"), "jojos bizarre adventure");
    EXPECT_EQ(normalize_title("Fate/Zero 2nd Season"), "fate zero 2nd season");
    EXPECT_EQ(normalize_title("K-On!!"), "k on");
    EXPECT_EQ(normalize_title("!!!"), "");
}

TEST(NormalizeTitle, AccentsStrippedByTable) {
    EXPECT_EQ(normalize_title("Pok\u00e9mon"), "pokemon");
    EXPECT_EQ(normalize_title("Sh\u014dnen"), "shonen");                    // ō
    EXPECT_EQ(normalize_title("Ky\u016Bsh\u016B"), "kyushu");               // ū
    EXPECT_EQ(normalize_title("\u00C0\u00C9\u00CE\u00D5\u00DC\u00D1\u00C7"), "aeiounc");
    EXPECT_EQ(normalize_title("Stra\u00dfe \u00c6on \u00d8ya"), "strasse aeon oya");
    EXPECT_EQ(normalize_title("\u0141\u00f3d\u017a \u0160koda \u0152uvre"), "lodz skoda oeuvre");
    EXPECT_EQ(normalize_title("Hunter \u00d7 Hunter"), "hunter x hunter");
    EXPECT_EQ(normalize_title("Pokemon\u0301"), "pokemon");  // combining acute accent dropped
}

TEST(NormalizeTitle, EntitiesSymbolsAndOtherScripts) {
    EXPECT_EQ(normalize_title("Kino&#039;s Journey &amp; more"), "kinos journey more");
    EXPECT_EQ(normalize_title("Pok&eacute;mon"), "pokemon");
    EXPECT_EQ(normalize_title("\u2606Lucky\u2605Star\u266A"), "lucky star");
    EXPECT_EQ(normalize_title("\u9032\u6483\u306e\u5de8\u4eba"), "\u9032\u6483\u306e\u5de8\u4eba");  // 進撃の巨人 kept
    EXPECT_EQ(normalize_title("\u3010\u63a8\u3057\u306e\u5b50\u3011"), "\u63a8\u3057\u306e\u5b50");  // 【】 dropped
    EXPECT_EQ(normalize_title("\uFF33\uFF54\uFF45\uFF49\uFF4E\uFF53"), "steins");  // full-width ASCII
    EXPECT_EQ(normalize_title("\u0410\u043d\u0438\u043c\u0435"), "\u0430\u043d\u0438\u043c\u0435");  // Аниме -> аниме
}

TEST(NormalizeTitle, Latin1BytesAreReadAsLatin1) {
    // "Pokémon" written in Latin-1 (é = 0xE9, not valid UTF-8 on its own).
    EXPECT_EQ(normalize_title(std::string("Pok\xE9mon")), "pokemon");
}

TEST(CompactKey, DropsSpaces) {
    EXPECT_EQ(compact_key("re zero kara"), "rezerokara");
    EXPECT_EQ(compact_key(normalize_title("ReZero")), compact_key(normalize_title("Re:Zero")));
}

TEST(Utf8, RoundTripThroughNextCodePoint) {
    for (char32_t cp : {U'A', U'\u00e9', U'\u3042', U'\U0001F600', U'\u07FF', U'\u0800', U'\uFFFF'}) {
        std::string s;
        append_utf8(s, cp);
        size_t i = 0;
        EXPECT_EQ(next_code_point(s, i), cp);
        EXPECT_EQ(i, s.size());
    }
    // Overlong "/" (C0 AF) is not UTF-8: read as Latin-1 byte by byte.
    std::string bad("\xC0\xAF");
    size_t i = 0;
    EXPECT_EQ(next_code_point(bad, i), char32_t(0xC0));
    EXPECT_EQ(i, 1u);
}

TEST(Trigram, SimilarityOrdersCandidates) {
    const auto q = trigram_set(normalize_title("shingeki no kyojn"));  // typo
    const auto good = trigram_set(normalize_title("Shingeki no Kyojin"));
    const auto other = trigram_set(normalize_title("Steins;Gate"));
    const double s_good = trigram_similarity(q, good);
    const double s_other = trigram_similarity(q, other);
    EXPECT_GT(s_good, 0.5);
    EXPECT_LT(s_other, 0.2);
    EXPECT_DOUBLE_EQ(trigram_similarity(good, good), 1.0);
    EXPECT_DOUBLE_EQ(trigram_similarity({}, {}), 0.0);
    EXPECT_DOUBLE_EQ(trigram_similarity(good, {}), 0.0);
    EXPECT_TRUE(trigram_set("").empty());
    // "ab" padded "  ab " -> "  a", " ab", "ab ": three distinct trigrams.
    EXPECT_EQ(trigram_set("ab").size(), 3u);
}

TEST(EditDistance, KnownValuesAndBound) {
    EXPECT_EQ(edit_distance("kitten", "sitting"), 3);
    EXPECT_EQ(edit_distance("", "abc"), 3);
    EXPECT_EQ(edit_distance("abc", ""), 3);
    EXPECT_EQ(edit_distance("same", "same"), 0);
    EXPECT_EQ(edit_distance("flaw", "lawn"), 2);
    EXPECT_EQ(edit_distance("kitten", "sitting", 1), 2);  // bound + 1
    EXPECT_EQ(edit_distance("kitten", "sitting", 3), 3);
    EXPECT_EQ(edit_distance("a", "abcdef", 2), 3);
}

TEST(StringHelpers, SplitTrimLower) {
    EXPECT_EQ(split_trimmed(" Action, Drama ,,Sci-Fi, ", ','),
              (std::vector<std::string>{"Action", "Drama", "Sci-Fi"}));
    EXPECT_TRUE(split_trimmed("", ',').empty());
    EXPECT_TRUE(split_trimmed(" , ", ',').empty());
    EXPECT_EQ(trim("\t x y \n"), "x y");
    EXPECT_EQ(to_lower_ascii("Sci-Fi TV"), "sci-fi tv");
}

}  // namespace
}  // namespace anirec
