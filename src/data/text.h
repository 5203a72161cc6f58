// Text utilities shared by the readers (anime names with HTML entities) and the
// title lookup of serve/ (normalised keys, trigram similarity, edit distance).
//
// All functions take and return UTF-8. Invalid UTF-8 bytes are read as Latin-1
// (some anime dumps are Latin-1), so nothing is ever dropped silently by decoding.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace anirec {

// Appends the UTF-8 encoding of code point cp (U+FFFD for surrogates and values
// above U+10FFFF).
void append_utf8(std::string& out, char32_t cp);

// Decodes one code point at s[i] and advances i. Invalid or truncated sequences
// yield the first byte as a Latin-1 code point (one byte consumed).
char32_t next_code_point(std::string_view s, size_t& i);

// Decodes HTML character references: named ones common in anime titles (&amp;
// &quot; &#039; &apos; &lt; &gt; &nbsp; &hellip; &mdash; &ndash; &lsquo; &rsquo;
// &ldquo; &rdquo; &times; &deg; &star; &hearts; and the Latin-1 letters such as
// &eacute; &ouml; &szlig;), decimal &#NNN; and hex &#xHH; (to UTF-8). Anything that
// is not a complete, known reference is left as it is ("AT&T", "&foo;", "&#;").
// Applied once: "&amp;amp;" becomes "&amp;".
std::string decode_html_entities(std::string_view s);

// The lookup key of a title: HTML entities decoded, lower-cased, accents stripped
// (Latin-1 and Latin Extended-A by table: é->e, ō->o, ß->ss, æ->ae, ø->o),
// full-width ASCII folded to ASCII, apostrophes dropped ("JoJo's" -> "jojos"),
// other punctuation and symbols to a space, spaces collapsed and trimmed.
// Letters outside the table (kana, kanji, Cyrillic...) are kept as they are.
//   "Fullmetal Alchemist: Brotherhood" -> "fullmetal alchemist brotherhood"
//   "Shingeki no Kyojin"               -> "shingeki no kyojin"
//   "Pokémon: The Movie"               -> "pokemon the movie"
//   "Steins;Gate"                      -> "steins gate"
std::string normalize_title(std::string_view s);

// normalize_title without its spaces: "re zero" and "rezero" meet here.
std::string compact_key(std::string_view normalized);

// Sorted, de-duplicated trigram hashes of a normalised string padded with two
// spaces in front and one behind (so short words and word starts count). Empty
// input gives an empty set.
std::vector<uint32_t> trigram_set(std::string_view normalized);

// Jaccard similarity |A∩B| / |A∪B| of two sorted trigram sets, in [0, 1];
// two empty sets give 0.
double trigram_similarity(const std::vector<uint32_t>& a, const std::vector<uint32_t>& b);

// Levenshtein distance over bytes. When the distance exceeds max_dist, returns
// max_dist + 1 early (max_dist < 0: no bound).
int edit_distance(std::string_view a, std::string_view b, int max_dist = -1);

// ASCII lower-case; other bytes unchanged.
std::string to_lower_ascii(std::string_view s);

// Trims ASCII whitespace at both ends.
std::string_view trim(std::string_view s);

// Splits at sep, trims each piece, drops empty pieces: "Action, Drama," -> {Action, Drama}.
std::vector<std::string> split_trimmed(std::string_view s, char sep);

}  // namespace anirec
