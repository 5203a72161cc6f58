// `anirec prepare <input> [--meta anime.csv] -o data.anirec [reading flags]`: reads a raw
// interaction file (any supported format, plain or gzip), applies the filters, and writes
// the binary dataset file that train/eval/serve load (docs/data.md).
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "cli/command.h"
#include "cli/ingest_flags.h"
#include "data/dataset_file.h"
#include "data/ingest.h"
#include "util/error.h"
#include "util/timer.h"

namespace {

using namespace anirec;

struct PrepareOptions {
    std::string input;
    std::string output;
    bool quiet = false;
    cli::IngestFlags flags;
};

int run_prepare(const PrepareOptions& o) {
    IngestOptions opt = o.flags.resolve();
    Timer timer;
    Dataset ds = ingest_file(o.input, opt);
    double t_read = timer.seconds();
    if (ds.n_interactions() == 0) {
        auto rep = nlohmann::json::parse(ds.options_json, nullptr, false);
        int64_t bad = rep.is_object() ? rep["malformed"].value("total", int64_t(0)) : 0;
        throw Error(cat(o.input, ": no interactions left to write (", bad,
                        " bad lines; run 'anirec stats' on it to see what was read and what each filter dropped)"));
    }
    save_dataset(ds, o.output);
    if (!o.quiet) {
        auto rep = nlohmann::json::parse(ds.options_json);
        std::printf("prepare: %s -> %s\n", ds.source.c_str(), o.output.c_str());
        std::printf("  %d users, %d items, %lld interactions; order: %s; %lld bad lines skipped\n", ds.n_users(),
                    ds.n_items(), static_cast<long long>(ds.n_interactions()), order_kind_name(ds.order),
                    static_cast<long long>(rep["malformed"].value("total", int64_t(0))));
        if (!order_is_chronological(ds.order))
            std::printf("  WARNING: the sequences are not in watch order (%s); run 'anirec stats %s' for details\n",
                        order_kind_name(ds.order), o.output.c_str());
        std::printf("  read+build %.2f s, total %.2f s\n", t_read, timer.seconds());
    }
    return 0;
}

cli::Registrar reg{"prepare", "Read a ratings file into a binary dataset file",
                   [](CLI::App& app) -> cli::RunFn {
                       auto o = std::make_shared<PrepareOptions>();
                       app.add_option("input", o->input, "Ratings file (csv/tsv/dat/txt, plain or .gz)")->required();
                       app.add_option("-o,--output", o->output, "Dataset file to write (e.g. data.anirec)")
                           ->required();
                       app.add_flag("-q,--quiet", o->quiet, "Print nothing on success");
                       cli::add_ingest_flags(app, o->flags);
                       return [o] { return run_prepare(*o); };
                   }};

}  // namespace
