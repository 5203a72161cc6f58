#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "eval/report.h"
#include "test_scorers.h"
#include "util/error.h"

using namespace anirec;
using anirec::test::FixedScorer;

namespace {
EvalResult result(const std::string& scorer, Protocol p, double hr10, double ndcg10, double mrr) {
    EvalResult r;
    r.scorer = scorer;
    r.protocol = p;
    r.protocol_label = p == Protocol::FULL ? "full ranking" : "sampled: 100 uniform negatives";
    r.split = "leave-one-out";
    r.metrics.ks = {10};
    r.metrics.hr = {hr10};
    r.metrics.recall = {hr10};
    r.metrics.ndcg = {ndcg10};
    r.metrics.mrr = mrr;
    r.metrics.n_users = 100;
    return r;
}

ReportContext ctx() {
    ReportContext c;
    c.split = "leave-one-out";
    c.order = "timestamp";
    c.users_evaluated = 100;
    c.n_items = 50;
    c.model = "sasrec";
    return c;
}
}  // namespace

TEST(Report, LiftOverTheBestBaselinePerMetric) {
    const EvalResult model = result("sasrec", Protocol::FULL, 0.30, 0.15, 0.10);
    const EvalResult a = result("mostpop", Protocol::FULL, 0.20, 0.12, 0.02);
    const EvalResult b = result("markov", Protocol::FULL, 0.25, 0.10, 0.05);
    const auto lift = lift_json(model, {&a, &b});
    EXPECT_NEAR(lift["hr@10"].get<double>(), 0.30 / 0.25 - 1.0, 1e-12);
    EXPECT_EQ(lift["best_baseline@hr@10"], "markov");
    EXPECT_NEAR(lift["ndcg@10"].get<double>(), 0.15 / 0.12 - 1.0, 1e-12);
    EXPECT_EQ(lift["best_baseline@ndcg@10"], "mostpop");
    EXPECT_NEAR(lift["mrr"].get<double>(), 1.0, 1e-12);
    // A baseline at 0 gives no ratio.
    const EvalResult z = result("zero", Protocol::FULL, 0.0, 0.0, 0.0);
    EXPECT_TRUE(lift_json(model, {&z})["hr@10"].is_null());
    EXPECT_TRUE(lift_json(model, {}).empty());
}

TEST(Report, TableNamesProtocolSplitAndLift) {
    std::vector<EvalResult> rs{result("mostpop", Protocol::FULL, 0.2, 0.1, 0.05),
                               result("sasrec", Protocol::FULL, 0.3, 0.15, 0.1),
                               result("sasrec", Protocol::SAMPLED, 0.8, 0.5, 0.4),
                               result("mostpop", Protocol::SAMPLED, 0.4, 0.2, 0.2)};
    const std::string t = format_report(ctx(), rs);
    EXPECT_NE(t.find("== full ranking | leave-one-out | test =="), std::string::npos) << t;
    EXPECT_NE(t.find("== sampled: 100 uniform negatives | leave-one-out | test =="), std::string::npos) << t;
    EXPECT_NE(t.find("SAMPLED"), std::string::npos);
    EXPECT_NE(t.find("+50.0%"), std::string::npos) << t;   // HR@10 0.3 vs 0.2
    EXPECT_NE(t.find("+100.0%"), std::string::npos) << t;  // sampled HR@10 0.8 vs 0.4
    // The model's row comes before the baselines' in each table.
    EXPECT_LT(t.find("sasrec"), t.find("mostpop"));
    const auto j = report_json(ctx(), rs);
    EXPECT_EQ(j["split"], "leave-one-out");
    EXPECT_EQ(j["tie_rule"], "pessimistic");
    EXPECT_EQ(j["results"].size(), 4u);
    EXPECT_NEAR(j["lift"]["full"]["hr@10"].get<double>(), 0.5, 1e-12);
    EXPECT_NEAR(j["lift"]["sampled"]["hr@10"].get<double>(), 1.0, 1e-12);
}

TEST(Report, RanksCsv) {
    const Split s = make_split_from_parts({{1, 2}, {4, 1}, {}}, {3, 2, 0}, {4, 4, 5}, 5, "hand");
    EvalOptions o;
    o.ks = {1};
    o.keep_ranks = true;
    o.sampled = true;
    const auto rs = evaluate(FixedScorer({0.f, 0.9f, 0.8f, 0.7f, 0.6f, 0.5f}), s, EvalTarget::VALID, o);
    const auto path = std::filesystem::temp_directory_path() / "anirec_test_ranks.csv";
    write_ranks_csv(path.string(), rs, {"alice", "bob,jr", "carol"});
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    // carol has no validation item and is left out; ids with commas are quoted.
    EXPECT_EQ(ss.str(), "user,fixed:full,fixed:sampled\nalice,0,0\n\"bob,jr\",0,0\n");
    std::filesystem::remove(path);
    EvalResult no_ranks;
    EXPECT_THROW(write_ranks_csv(path.string(), {no_ranks}, {"a"}), Error);
}
