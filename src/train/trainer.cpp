#include "train/trainer.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>

#include "train/train_state.h"
#include "util/error.h"
#include "util/rng.h"
#include "util/timer.h"

namespace anirec {

using json = nlohmann::json;

namespace {

constexpr uint64_t DROPOUT_TAG = 0x44524f504f555433ull;
constexpr double PROGRESS_EVERY_S = 0.1;

void format_duration(double s, char* buf, size_t n) {
    if (!std::isfinite(s) || s < 0) s = 0;
    const long t = static_cast<long>(s + 0.5);
    if (t >= 3600)
        std::snprintf(buf, n, "%ldh%02ldm", t / 3600, (t / 60) % 60);
    else if (t >= 60)
        std::snprintf(buf, n, "%ldm%02lds", t / 60, t % 60);
    else
        std::snprintf(buf, n, "%lds", t);
}

std::string utc_now() {
    const std::time_t t = std::time(nullptr);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

// A float as the double of its shortest decimal form: 0.2f is logged as 0.2.
double short_float(float f) {
    char buf[32];
    const auto r = std::to_chars(buf, buf + sizeof buf - 1, f);
    *r.ptr = '\0';
    return std::strtod(buf, nullptr);
}

bool all_finite(const ParamArena& w) {
    const float* p = w.data();
    for (size_t i = 0; i < w.size(); ++i)
        if (!std::isfinite(p[i])) return false;
    return true;
}

}  // namespace

void TrainOptions::validate() const {
    if (batch_size < 1 || batch_size > 65536)
        throw UsageError(cat("--batch-size: must be in [1, 65536], got ", batch_size));
    if (epochs < 1) throw UsageError(cat("--epochs: must be at least 1, got ", epochs));
    if (max_steps < 0) throw UsageError(cat("--max-steps: must be >= 0 (0 = no limit), got ", max_steps));
    if (!(time_limit >= 0.0)) throw UsageError(cat("--time-limit: must be >= 0 seconds (0 = none), got ", time_limit));
    if (eval_every < 1) throw UsageError(cat("--eval-every: must be at least 1, got ", eval_every));
    if (patience < 0) throw UsageError(cat("--patience: must be >= 0 (0 = never stop early), got ", patience));
    if (verbose < 0 || verbose > 2) throw UsageError(cat("--verbose: must be 0, 1 or 2, got ", verbose));
    if (sampler_threads < 0 || sampler_threads > 64)
        throw UsageError(cat("--sampler-threads: must be in [0, 64], got ", sampler_threads));
    if (output.empty()) throw UsageError("-o/--output: a model file path is required");
    if ((loss.kind == LossKind::SAMPLED_CE || loss.kind == LossKind::GBCE) &&
        (loss.negatives < 1 || loss.negatives > 100000))
        throw UsageError(cat("--negatives: must be in [1, 100000] for --loss ", loss_kind_name(loss.kind), ", got ",
                             loss.negatives));
    if (!(loss.gbce_t >= 0.f && loss.gbce_t <= 1.f))
        throw UsageError(cat("--gbce-t: must be in [0, 1], got ", loss.gbce_t));
    optim.validate();
}

json TrainOptions::run_json() const {
    return json{
        {"model",
         {{"maxlen", model.maxlen},
          {"hidden", model.hidden},
          {"blocks", model.blocks},
          {"heads", model.heads},
          {"dropout", short_float(model.dropout)},
          {"norm", norm_layout_name(model.norm)}}},
        {"loss", loss_kind_name(loss.kind)},
        {"negatives", loss.negatives},
        {"gbce_t", short_float(loss.gbce_t)},
        {"optimizer", optimizer_kind_name(optim.kind)},
        {"beta1", short_float(optim.beta1)},
        {"beta2", short_float(optim.beta2)},
        {"eps", short_float(optim.eps)},
        {"weight_decay", short_float(optim.weight_decay)},
        {"l2_emb", short_float(optim.l2_emb)},
        {"clip", short_float(optim.clip)},
        {"schedule", schedule_kind_name(schedule.kind)},
        {"lr", short_float(schedule.lr)},
        {"max_lr", short_float(schedule.max_lr)},
        {"cycle_steps", schedule.cycle_steps},
        {"warmup_steps", schedule.warmup_steps},
        {"gamma", schedule.gamma},
        {"batch_size", batch_size},
        {"epochs", epochs},
        {"seed", seed},
        {"order", shuffle_order ? "shuffle" : "keep"},
    };
}

json TrainOptions::to_json() const {
    return json{{"run", run_json()},
                {"control",
                 {{"max_steps", max_steps},
                  {"time_limit", time_limit},
                  {"eval_every", eval_every},
                  {"patience", patience},
                  {"sampler_threads", sampler_threads}}}};
}

std::string data_fingerprint(const TrainData& d) {
    uint64_t h = fnv1a64(&d.n_items, sizeof d.n_items);
    h = fnv1a64(d.train.offsets.data(), d.train.offsets.size_bytes(), h);
    h = fnv1a64(d.train.items.data(), d.train.items.size_bytes(), h);
    h = fnv1a64(d.history.offsets.data(), d.history.offsets.size_bytes(), h);
    h = fnv1a64(d.history.items.data(), d.history.items.size_bytes(), h);
    char buf[24];
    std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
    return buf;
}

struct Trainer::Impl {
    Impl(const TrainOptions& o, TrainData d, ModelMeta m, ValidationHook h)
        : data(d),
          meta(std::move(m)),
          hook(std::move(h)),
          cfg(with_items(o.model, d.n_items)),
          w(cfg),
          dw(cfg),
          opt(cfg, o.optim),
          ws(cfg, o.batch_size),
          dhidden(static_cast<size_t>(o.batch_size) * cfg.maxlen * cfg.hidden),
          sampler(d.train, d.history, d.n_items, sampler_config(o)) {}

    static ModelConfig with_items(ModelConfig c, int32_t n) {
        c.n_items = n;
        return c;
    }
    static SamplerConfig sampler_config(const TrainOptions& o) {
        SamplerConfig s;
        s.batch_size = o.batch_size;
        s.maxlen = o.model.maxlen;
        s.loss = o.loss.kind;
        s.negatives = o.loss.negatives;
        s.shuffle_order = o.shuffle_order;
        s.seed = o.seed;
        s.threads = o.sampler_threads;
        return s;
    }

    TrainData data;
    ModelMeta meta;
    ValidationHook hook;
    ModelConfig cfg;
    ParamArena w, dw;
    Optimizer opt;
    Workspace ws;
    std::vector<float> dhidden;
    LossBuffers lbuf;
    BatchSampler sampler;
    TrainState st;
    json best_metrics;  // metrics of the best validation
    bool wrote_model = false;
    bool wrote_state = false;
};

Trainer::Trainer(TrainOptions opt, TrainData data, ModelMeta meta, ValidationHook hook) : opt_(std::move(opt)) {
    opt_.validate();
    opt_.model.n_items = data.n_items;
    opt_.model.validate();
    if (opt_.state_path.empty()) opt_.state_path = opt_.output + ".state";
    if (opt_.loss.kind == LossKind::BCE) opt_.loss.negatives = 1;
    if (opt_.loss.kind == LossKind::CE) opt_.loss.negatives = 0;
    impl_ = std::make_unique<Impl>(opt_, data, std::move(meta), std::move(hook));
}

Trainer::~Trainer() = default;

const ParamArena& Trainer::params() const { return impl_->w; }

TrainResult Trainer::run() {
    Impl& I = *impl_;
    TrainState& st = I.st;
    const ModelConfig& cfg = I.cfg;
    const int32_t T = cfg.maxlen, C = cfg.hidden, N = cfg.n_items;
    const int64_t bpe = I.sampler.batches_per_epoch();
    const int64_t total_steps = static_cast<int64_t>(opt_.epochs) * bpe;
    ScheduleConfig sched = opt_.schedule;
    sched.resolve(bpe, total_steps);
    const std::string fingerprint = data_fingerprint(I.data);
    Timer run_timer;

    if (opt_.resume) {
        if (!std::filesystem::exists(opt_.state_path))
            throw Error(cat(opt_.state_path, ": --resume: no training state here (it is written after each epoch)"));
        const TrainState peek = peek_train_state(opt_.state_path);
        const json was = peek.options.value("run", json::object()), now = opt_.run_json();
        for (auto it = now.begin(); it != now.end(); ++it) {
            if (it.key() == "epochs") continue;  // a resumed run may train longer or shorter
            if (!was.contains(it.key()) || was[it.key()] != it.value())
                throw UsageError(cat("--resume: option '", it.key(), "' was ",
                                     was.contains(it.key()) ? was[it.key()].dump() : "absent", " in the run that wrote ",
                                     opt_.state_path, ", now ", it.value().dump(), "; resume needs the same options"));
        }
        if (peek.data_fingerprint != fingerprint)
            throw Error(cat(opt_.state_path, ": --resume: the training data differs from the run that wrote this state"));
        load_train_state(opt_.state_path, st, I.w, I.opt);
        if (st.batch >= bpe || st.epoch < 0)
            throw Error(cat(opt_.state_path, ": cursor (epoch ", st.epoch, ", batch ", st.batch, ") is outside the data"));
        I.sampler.seek({st.epoch, st.batch});
        I.wrote_state = true;
        I.wrote_model = std::filesystem::exists(opt_.output);
    } else {
        init_params(I.w, opt_.seed);
        st = TrainState{};
    }
    st.options = opt_.to_json();
    st.data_fingerprint = fingerprint;
    const double base_elapsed = st.elapsed_seconds;

    std::ofstream log;
    if (!opt_.log_path.empty()) {
        log.open(opt_.log_path, std::ios::app);
        if (!log) throw Error(cat(opt_.log_path, ": cannot open the training log for appending"));
    }

    json card = I.meta.card.is_object() ? I.meta.card : json::object();
    card["trainer"] = {{"options", opt_.to_json()},
                       {"data",
                        {{"users_trained", I.sampler.n_train_users()},
                         {"items", N},
                         {"positions_per_epoch", I.sampler.n_train_positions()},
                         {"batches_per_epoch", bpe}}}};
    auto save_model_now = [&](int64_t epochs_in_weights) {
        card["epochs"] = epochs_in_weights;
        card["steps"] = st.step;
        card["final_loss"] = st.last_loss;
        card["seconds"] = base_elapsed + run_timer.seconds();
        card["saved_at"] = utc_now();
        if (st.has_best) card["validation"] = I.best_metrics;
        I.meta.card = card;
        save_model(opt_.output, I.w, I.meta);
        I.wrote_model = true;
    };
    auto save_state_now = [&]() {
        st.elapsed_seconds = base_elapsed + run_timer.seconds();
        save_train_state(opt_.state_path, st, I.w, I.opt);
        I.wrote_state = true;
    };
    auto last_good = [&]() -> std::string {
        if (!I.wrote_model && !I.wrote_state) return "no checkpoint had been written yet";
        return cat("the last good checkpoint is ", opt_.output, " (model) and ", opt_.state_path, " (state)");
    };
    // Returns whether the score improved on the best.
    auto validate = [&](int64_t epoch_1based, json& line, bool counts_for_patience) {
        ValidationReport rep = I.hook(I.w);
        const bool improved = !st.has_best || rep.score > st.best_metric;
        if (improved) {
            st.has_best = true;
            st.best_metric = rep.score;
            st.best_epoch = epoch_1based;
            st.bad_evals = 0;
            I.best_metrics = rep.metrics;
            I.best_metrics["epoch"] = epoch_1based;
            I.best_metrics["score"] = rep.score;
        } else if (counts_for_patience) {
            ++st.bad_evals;
        }
        line["validation"] = rep.metrics;
        line["score"] = rep.score;
        line["best"] = improved;
        if (opt_.verbose >= 1)
            std::fprintf(stderr, "  valid %s %.4f%s", rep.name.c_str(), rep.score, improved ? " (best)" : "");
        return improved;
    };

    // Progress: one line on stderr, rewritten about every 100 ms.
    Timer progress_timer;
    int64_t rows_this_run = 0, steps_this_run = 0;
    double lr = 0.0;
    auto progress = [&](bool force) {
        if (opt_.verbose < 1 || (!force && progress_timer.seconds() < PROGRESS_EVERY_S)) return;
        progress_timer.reset();
        const double t = run_timer.seconds();
        const double rate = t > 0 ? static_cast<double>(rows_this_run) / t : 0.0;
        double eta = steps_this_run > 0 ? static_cast<double>(total_steps - st.step) * t / steps_this_run : 0.0;
        if (opt_.max_steps > 0 && steps_this_run > 0)
            eta = std::min(eta, static_cast<double>(opt_.max_steps - st.step) * t / steps_this_run);
        if (opt_.time_limit > 0) eta = std::min(eta, std::max(0.0, opt_.time_limit - t));
        char eta_s[32];
        format_duration(eta, eta_s, sizeof eta_s);
        const double loss = st.epoch_batches > 0 ? st.epoch_loss_sum / static_cast<double>(st.epoch_batches) : 0.0;
        std::fprintf(stderr, "\repoch %lld/%d %5.1f%%  %8.0f seq/s  lr %.3e  loss %.6f  ETA %s     ",
                     static_cast<long long>(st.epoch + 1), opt_.epochs,
                     100.0 * static_cast<double>(st.step) / static_cast<double>(std::max<int64_t>(1, total_steps)),
                     rate, lr, loss, eta_s);
        std::fflush(stderr);
    };

    std::string stop;
    if (I.hook && opt_.patience > 0 && st.bad_evals >= opt_.patience) stop = "early-stop";  // resumed after one
    while (st.epoch < opt_.epochs && stop.empty()) {
        Timer epoch_timer;
        const int64_t epoch_rows_start = rows_this_run;
        while (st.batch < bpe) {
            const Batch& b = I.sampler.next();
            ANIREC_ASSERT(b.epoch == st.epoch && b.index == st.batch);
            lr = schedule_lr(sched, st.step);
            // One step. Dropout draws from a stream of (seed, step): resume needs no RNG state.
            I.dw.zero();
            Rng rng = Rng::derive(opt_.seed ^ DROPOUT_TAG, static_cast<uint64_t>(st.step));
            const float* hidden = sasrec_forward(I.w, I.ws, b.seq.data(), b.B, true, &rng);
            const float loss =
                loss_forward_backward(opt_.loss, hidden, I.w.item_emb, b.pos.data(),
                                      b.neg.empty() ? nullptr : b.neg.data(), b.B, T, C, N, I.dhidden.data(),
                                      I.dw.item_emb, I.lbuf);
            if (!std::isfinite(loss)) {
                if (opt_.verbose >= 1) std::fprintf(stderr, "\n");
                throw Error(cat("step ", st.step + 1, " (epoch ", st.epoch + 1, ", batch ", st.batch + 1,
                                "): the loss is ", loss, " (lr ", lr, "); training stopped; ", last_good()));
            }
            sasrec_backward(I.w, I.dw, I.ws, I.dhidden.data());
            I.opt.step(I.w, I.dw, static_cast<float>(lr));
            ++st.step;
            ++st.batch;
            ++steps_this_run;
            rows_this_run += b.B;
            st.epoch_loss_sum += loss;
            ++st.epoch_batches;
            progress(false);
            if (opt_.max_steps > 0 && st.step >= opt_.max_steps) {
                stop = "max-steps";
                break;
            }
            if (opt_.time_limit > 0 && run_timer.seconds() >= opt_.time_limit) {
                stop = "time-limit";
                break;
            }
        }
        if (st.batch < bpe) break;  // stopped mid-epoch: handled below

        // End of an epoch: validate, checkpoint, log.
        const int64_t e1 = st.epoch + 1;
        const double epoch_s = epoch_timer.seconds();
        st.last_loss = st.epoch_loss_sum / static_cast<double>(std::max<int64_t>(1, st.epoch_batches));
        if (opt_.verbose >= 1) {
            progress(true);
            char dur[32];
            format_duration(epoch_s, dur, sizeof dur);
            std::fprintf(stderr, "\repoch %lld/%d  loss %.6f  %s  %.0f seq/s  lr %.3e", static_cast<long long>(e1),
                         opt_.epochs, st.last_loss, dur,
                         static_cast<double>(rows_this_run - epoch_rows_start) / std::max(1e-9, epoch_s), lr);
        }
        json line{{"epoch", e1}, {"step", st.step}, {"loss", st.last_loss}, {"lr", lr}, {"seconds", epoch_s}};
        bool improved = false;
        const bool eval_now = I.hook && (e1 % opt_.eval_every == 0 || e1 == opt_.epochs || !stop.empty());
        if (eval_now) improved = validate(e1, line, true);
        if (opt_.verbose >= 1) std::fprintf(stderr, "%-20s\n", "");
        if (!all_finite(I.w))
            throw Error(cat("step ", st.step, " (end of epoch ", e1, "): the weights hold NaN or Inf; training stopped; ",
                            last_good()));
        st.epoch += 1;
        st.batch = 0;
        st.epoch_loss_sum = 0.0;
        st.epoch_batches = 0;
        if (!I.hook || improved || !st.has_best) save_model_now(e1);
        save_state_now();
        line["elapsed"] = st.elapsed_seconds;
        if (log) log << line.dump() << '\n' << std::flush;
        if (I.hook && opt_.patience > 0 && st.bad_evals >= opt_.patience) {
            stop = "early-stop";
            if (opt_.verbose >= 1)
                std::fprintf(stderr, "early stop: %d validations without a new best (best %.4f at epoch %lld)\n",
                             st.bad_evals, st.best_metric, static_cast<long long>(st.best_epoch));
        }
        if (!stop.empty()) break;
    }

    if (st.batch > 0) {
        // Stopped mid-epoch (time limit or max steps): keep the best model in place and
        // the exact cursor for --resume.
        if (opt_.verbose >= 1) progress(true);
        json line{{"epoch", st.epoch + 1}, {"partial", true}, {"step", st.step},
                  {"loss", st.epoch_loss_sum / static_cast<double>(std::max<int64_t>(1, st.epoch_batches))},
                  {"lr", lr}, {"stop", stop}};
        if (!all_finite(I.w))
            throw Error(cat("step ", st.step, ": the weights hold NaN or Inf; training stopped; ", last_good()));
        bool improved = false;
        if (I.hook) improved = validate(st.epoch + 1, line, false);
        if (opt_.verbose >= 1) std::fprintf(stderr, "\n");
        if (!I.hook || improved || !I.wrote_model) save_model_now(st.epoch);
        save_state_now();
        line["elapsed"] = st.elapsed_seconds;
        if (log) log << line.dump() << '\n' << std::flush;
    }
    if (stop.empty()) stop = "epochs";

    TrainResult r;
    r.steps = st.step;
    r.epochs_done = st.epoch;
    r.last_loss = st.last_loss;
    r.has_best = st.has_best;
    r.best_score = st.best_metric;
    r.best_epoch = st.best_epoch;
    r.seconds = base_elapsed + run_timer.seconds();
    r.stop_reason = stop;
    // The model file's card learns how the run ended (its weights are unchanged).
    if (I.wrote_model) {
        LoadedModel m = load_model(opt_.output);
        m.meta.card["run"] = {
            {"stop_reason", stop}, {"epochs_trained", st.epoch}, {"steps", st.step}, {"seconds", r.seconds}};
        save_model(opt_.output, m.params, m.meta);
        r.card = m.meta.card;
    }
    if (opt_.verbose >= 1) {
        char dur[32];
        format_duration(r.seconds, dur, sizeof dur);
        std::fprintf(stderr, "trained %lld steps, %lld epochs in %s (%s)", static_cast<long long>(st.step),
                     static_cast<long long>(st.epoch), dur, stop.c_str());
        if (st.has_best)
            std::fprintf(stderr, "; best validation %.4f at epoch %lld", st.best_metric,
                         static_cast<long long>(st.best_epoch));
        std::fprintf(stderr, "\nmodel: %s\n", opt_.output.c_str());
    }
    return r;
}

}  // namespace anirec
