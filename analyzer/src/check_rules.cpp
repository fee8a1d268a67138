#include "vcm/analyzer/check_rules.h"

#include <fmt/core.h>
#include <toml++/toml.h>

#include <cmath>
#include <set>

namespace vcm::analyzer {
namespace {

struct MeasureDefinition {
    MeasureInfo info;
    const char* sql;          // one integer
    const char* findingKind;  // the finding whose explanation is the evidence (nullptr: none)
};

// The waits of runnable vCPUs: a slice that ended runnable, to that vCPU's next slice.
constexpr const char* kWorstWaitSql =
    "SELECT coalesce(max((SELECT min(n.ts) FROM sched_slice n WHERE n.vcpu_id = s.vcpu_id AND n.ts >= s.ts + s.dur "
    "AND n.id <> s.id) - (s.ts + s.dur)), 0) FROM sched_slice s WHERE s.end_reason IN ('slice_end', 'yield', "
    "'preempted')";

const std::vector<MeasureDefinition>& definitions()
{
    static const std::vector<MeasureDefinition> list = {
        {{"stale_reads", "stale_read events: accesses that returned data older than the latest write"},
         "SELECT count(*) FROM stale_read", "stale_read"},
        {{"clobbers", "clobber events: write-backs that destroyed newer data in RAM"}, "SELECT count(*) FROM clobber",
         "clobber"},
        {{"stale_windows", "stale-data windows (pages cached differently from RAM while a bypassing observer could "
                           "read them), except those closed at the instant they opened"},
         "SELECT count(*) FROM stale_window WHERE dur > 0 OR open = 1", "stale_window"},
        {{"max_stale_window_ns", "the widest stale-data window, virtual ns"},
         "SELECT coalesce(max(dur), 0) FROM stale_window", "stale_window"},
        {{"max_unpreempted_flush_ns", "the longest time work pending on a core waited for a flush segment that did "
                                      "not preempt itself, virtual ns (flush_segment.unpreempted_delay_ns)"},
         "SELECT coalesce(max(unpreempted_delay_ns), 0) FROM flush_segment", "long_flush_segment"},
        {{"max_flush_segment_ns", "the longest flush segment, virtual ns (whether or not anything waited)"},
         "SELECT coalesce(max(dur), 0) FROM flush_segment", "long_flush_segment"},
        {{"tvm_traps_after_caches_on", "TVM traps taken with the vCPU's caches on, except the write turning them off"},
         "SELECT coalesce(sum(measure), 0) FROM finding WHERE kind = 'tvm_trap_after_caches_on'",
         "tvm_trap_after_caches_on"},
        {{"untrapped_setway_ops", "set/way operations guests executed natively (HCR_EL2.TSW clear)"},
         "SELECT coalesce(sum(measure), 0) FROM finding WHERE kind = 'untrapped_setway'", "untrapped_setway"},
        {{"caches_on_without_flush", "caches-on transitions with no flush of the VM before the guest ran on"},
         "SELECT count(*) FROM finding WHERE kind = 'caches_on_without_flush'", "caches_on_without_flush"},
        {{"worst_scheduling_latency_ns", "the longest wait of a runnable vCPU for a core, virtual ns"}, kWorstWaitSql,
         "flush_scheduling_latency"},
        {{"lost_events", "events discarded and packets lost by the tracer"},
         "SELECT coalesce(sum(count), 0) FROM data_loss", "data_loss"},
        {{"error_findings", "findings of severity error"}, "SELECT count(*) FROM finding WHERE severity = 'error'",
         nullptr},
    };
    return list;
}

// Measures only vcm's coherence oracle can give (its stale_read, clobber and stale_window events).
bool needsOracle(const MeasureDefinition& d)
{
    for (const char* kind : {"stale_read", "clobber", "stale_window"})
        if (d.findingKind != nullptr && std::string_view(d.findingKind) == kind)
            return true;
    return false;
}

const MeasureDefinition* findMeasure(const std::string& name)
{
    for (const MeasureDefinition& d : definitions())
        if (name == d.info.name)
            return &d;
    return nullptr;
}

std::string valueText(const RuleValue& value)
{
    return std::visit(
        [](const auto& v) -> std::string {
            using T = std::decay_t<decltype(v)>;
            if constexpr (std::is_same_v<T, std::string>)
                return "'" + v + "'";
            else
                return fmt::format("{}", v);
        },
        value);
}

template <typename T>
bool compare(const T& actual, Comparison c, const T& expected)
{
    switch (c) {
    case Comparison::Less:
        return actual < expected;
    case Comparison::LessEqual:
        return actual <= expected;
    case Comparison::Equal:
        return actual == expected;
    case Comparison::NotEqual:
        return actual != expected;
    case Comparison::GreaterEqual:
        return actual >= expected;
    case Comparison::Greater:
        return actual > expected;
    }
    return false;
}

bool holds(const RuleValue& actual, Comparison c, const RuleValue& expected)
{
    const bool actualText = std::holds_alternative<std::string>(actual);
    const bool expectedText = std::holds_alternative<std::string>(expected);
    if (actualText || expectedText) {
        const std::string a = actualText ? std::get<std::string>(actual) : valueText(actual);
        const std::string e = expectedText ? std::get<std::string>(expected) : valueText(expected);
        return compare(a, c, e);
    }
    if (std::holds_alternative<std::int64_t>(actual) && std::holds_alternative<std::int64_t>(expected))
        return compare(std::get<std::int64_t>(actual), c, std::get<std::int64_t>(expected));
    auto asDouble = [](const RuleValue& v) {
        return std::holds_alternative<double>(v) ? std::get<double>(v) : static_cast<double>(std::get<std::int64_t>(v));
    };
    return compare(asDouble(actual), c, asDouble(expected));
}

std::string firstFinding(db::Database& db, const char* kind)
{
    if (kind == nullptr)
        return {};
    db::Statement q = db.prepare("SELECT count(*), (SELECT explanation FROM finding WHERE kind = ?1 ORDER BY ts, id "
                                 "LIMIT 1) FROM finding WHERE kind = ?1");
    q.bind(1, kind);
    if (!q.step() || q.columnInt(0) == 0)
        return {};
    return q.columnInt(0) == 1 ? q.columnText(1)
                               : fmt::format("{} {} findings; the first: {}", q.columnInt(0), kind, q.columnText(1));
}

std::string where(const std::filesystem::path& file, const toml::source_region& source)
{
    return fmt::format("{}:{}", file.string(), source.begin.line);
}

Comparison parseComparison(const std::string& text, const std::string& at)
{
    static const std::vector<std::pair<std::string, Comparison>> table = {
        {"<", Comparison::Less},          {"<=", Comparison::LessEqual}, {"==", Comparison::Equal},
        {"=", Comparison::Equal},         {"!=", Comparison::NotEqual},  {">=", Comparison::GreaterEqual},
        {">", Comparison::Greater},
    };
    for (const auto& [symbol, comparison] : table)
        if (text == symbol)
            return comparison;
    throw RulesError(fmt::format("{}: op = \"{}\": expected one of <, <=, ==, !=, >=, >", at, text));
}

RuleValue parseValue(const toml::node& node, const std::string& at)
{
    if (const auto* i = node.as_integer())
        return i->get();
    if (const auto* d = node.as_floating_point())
        return d->get();
    if (const auto* s = node.as_string())
        return s->get();
    if (const auto* b = node.as_boolean())
        return std::int64_t{b->get()};
    throw RulesError(fmt::format("{}: value: expected an integer, a number or a string", at));
}

// A measure is a count or a duration: a string compared with it would compare as text (issue 20: `max = "5"`
// let 4,096 stale reads pass).
void requireNumber(const RuleValue& value, const toml::table& t, const std::filesystem::path& file)
{
    if (std::holds_alternative<std::string>(value)) {
        const toml::node* node = t.get("max") != nullptr ? t.get("max") : t.get("min") != nullptr ? t.get("min") : t.get("value");
        throw RulesError(fmt::format("{}: a measure is compared with a number, not the string \"{}\" (write it "
                                     "without quotes)",
                                     where(file, node->source()), std::get<std::string>(value)));
    }
}

// A key that must hold a string (measure, name, sql, op): value_or would take anything else for absent.
std::string stringKey(const toml::table& t, const char* key, const std::filesystem::path& file)
{
    const toml::node* node = t.get(key);
    if (node == nullptr)
        return {};
    if (!node->is_string())
        throw RulesError(fmt::format("{}: {} must be a string", where(file, node->source()), key));
    return node->as_string()->get();
}

// [[rule]] and [[assert]] are arrays of tables; `rule = 5` is a mistake, not an empty list.
const toml::array* tableArray(const toml::table& document, const char* key, const std::filesystem::path& file)
{
    const toml::node* node = document.get(key);
    if (node == nullptr)
        return nullptr;
    if (!node->is_array_of_tables())
        throw RulesError(fmt::format("{}: {} must be written as [[{}]] tables", where(file, node->source()), key, key));
    return node->as_array();
}

// The comparison of a [[rule]] or [[assert]]: `max = V`, `min = V`, or `op = "..."` with `value = V`.
void parseCheck(const toml::table& t, const std::string& at, Comparison& comparison, RuleValue& value,
                const std::filesystem::path& file)
{
    const int forms = (t.contains("max") ? 1 : 0) + (t.contains("min") ? 1 : 0) + (t.contains("value") ? 1 : 0);
    if (forms != 1)
        throw RulesError(fmt::format("{}: give exactly one of max = V, min = V, or op = \"...\" with value = V", at));
    if (const toml::node* max = t.get("max")) {
        comparison = Comparison::LessEqual;
        value = parseValue(*max, at);
    } else if (const toml::node* min = t.get("min")) {
        comparison = Comparison::GreaterEqual;
        value = parseValue(*min, at);
    } else {
        const std::string op = stringKey(t, "op", file);
        comparison = !op.empty() ? parseComparison(op, at) : Comparison::Equal;
        value = parseValue(*t.get("value"), at);
    }
}

void rejectUnknownKeys(const toml::table& t, const std::set<std::string>& allowed, const std::filesystem::path& file)
{
    for (const auto& [key, node] : t)
        if (!allowed.contains(std::string(key.str())))
            throw RulesError(fmt::format("{}: unknown key '{}'", where(file, node.source()), key.str()));
}

} // namespace

const char* comparisonText(Comparison comparison)
{
    switch (comparison) {
    case Comparison::Less:
        return "<";
    case Comparison::LessEqual:
        return "<=";
    case Comparison::Equal:
        return "==";
    case Comparison::NotEqual:
        return "!=";
    case Comparison::GreaterEqual:
        return ">=";
    case Comparison::Greater:
        return ">";
    }
    return "?";
}

const std::vector<MeasureInfo>& measureInfos()
{
    static const std::vector<MeasureInfo> infos = [] {
        std::vector<MeasureInfo> list;
        for (const MeasureDefinition& d : definitions())
            list.push_back(d.info);
        return list;
    }();
    return infos;
}

std::int64_t measureValue(db::Database& db, const std::string& measure)
{
    const MeasureDefinition* d = findMeasure(measure);
    if (d == nullptr)
        throw RulesError(fmt::format("unknown measure '{}'", measure));
    return db.scalar(d->sql);
}

bool traceHasNoOracle(db::Database& db)
{
    db::Statement q = db.prepare("SELECT value FROM meta WHERE key = 'oracle'");
    return q.step() && q.columnText(0) == "none";
}

Rules defaultRulesFor(db::Database& db)
{
    Rules rules = defaultRules();
    if (!traceHasNoOracle(db))
        return rules;
    std::erase_if(rules.measures, [](const MeasureRule& r) { return needsOracle(*findMeasure(r.measure)); });
    rules.source += "; without the stale-data measures, since the trace has no coherence oracle (real KVM)";
    return rules;
}

Rules defaultRules()
{
    Rules rules;
    for (const char* measure : {"stale_reads", "clobbers", "stale_windows"})
        rules.measures.push_back({fmt::format("{} == 0", measure), measure, Comparison::Equal, std::int64_t{0}});
    rules.measures.push_back({"max_unpreempted_flush_ns <= 1000000", "max_unpreempted_flush_ns",
                              Comparison::LessEqual, std::int64_t{1'000'000}});
    return rules;
}

Rules loadRules(const std::filesystem::path& file)
{
    toml::table document;
    try {
        document = toml::parse_file(file.string());
    } catch (const toml::parse_error& e) {
        throw RulesError(fmt::format("{}: {}", where(file, e.source()), e.description()));
    }
    rejectUnknownKeys(document, {"allow_data_loss", "allow_incomplete", "rule", "assert"}, file);
    Rules rules;
    rules.source = file.string();
    for (const auto& [key, flag] : {std::pair{"allow_data_loss", &rules.allowDataLoss},
                                    std::pair{"allow_incomplete", &rules.allowIncomplete}})
        if (const toml::node* node = document.get(key)) {
            if (!node->is_boolean())
                throw RulesError(fmt::format("{}: {} must be true or false", where(file, node->source()), key));
            *flag = node->as_boolean()->get();
        }
    if (const toml::array* list = tableArray(document, "rule", file)) {
        for (const toml::node& node : *list) {
            const toml::table* t = node.as_table();
            const std::string at = where(file, node.source());
            if (t == nullptr)
                throw RulesError(fmt::format("{}: [[rule]] must be a table", at));
            rejectUnknownKeys(*t, {"name", "measure", "max", "min", "op", "value"}, file);
            MeasureRule rule;
            rule.measure = stringKey(*t, "measure", file);
            if (findMeasure(rule.measure) == nullptr) {
                std::string known;
                for (const MeasureDefinition& d : definitions())
                    known += (known.empty() ? "" : ", ") + std::string(d.info.name);
                throw RulesError(fmt::format("{}: measure = \"{}\": expected one of {}", at, rule.measure, known));
            }
            parseCheck(*t, at, rule.comparison, rule.value, file);
            requireNumber(rule.value, *t, file);
            rule.name = stringKey(*t, "name", file);
            if (rule.name.empty())
                rule.name = fmt::format("{} {} {}", rule.measure, comparisonText(rule.comparison), valueText(rule.value));
            rules.measures.push_back(std::move(rule));
        }
    }
    if (const toml::array* list = tableArray(document, "assert", file)) {
        for (const toml::node& node : *list) {
            const toml::table* t = node.as_table();
            const std::string at = where(file, node.source());
            if (t == nullptr)
                throw RulesError(fmt::format("{}: [[assert]] must be a table", at));
            rejectUnknownKeys(*t, {"name", "sql", "max", "min", "op", "value"}, file);
            SqlAssertion assertion;
            assertion.name = stringKey(*t, "name", file);
            assertion.sql = stringKey(*t, "sql", file);
            if (assertion.name.empty() || assertion.sql.empty())
                throw RulesError(fmt::format("{}: [[assert]] needs name = \"...\" and sql = \"...\"", at));
            parseCheck(*t, at, assertion.comparison, assertion.value, file);
            rules.assertions.push_back(std::move(assertion));
        }
    }
    return rules;
}

std::vector<RuleOutcome> evaluateRules(db::Database& db, const Rules& rules)
{
    std::vector<RuleOutcome> outcomes;
    if (!rules.allowDataLoss) {
        const std::int64_t lost = db.scalar("SELECT coalesce(sum(count), 0) FROM data_loss");
        RuleOutcome o{"no trace data lost", lost == 0, std::to_string(lost), "== 0", {}};
        if (!o.passed)
            o.evidence = firstFinding(db, "data_loss") +
                         " (set allow_data_loss = true in the rules to accept a lossy trace)";
        outcomes.push_back(std::move(o));
    }
    if (!rules.allowIncomplete) {
        // A run cut short (no run_end: a trace cut at a packet boundary, a flight-recorder snapshot, a crash)
        // cannot show the absence of what would have come after: like loss, it fails unless accepted.
        // A lossy trace may have lost the run_end itself: accepting the loss accepts that too.
        const std::int64_t complete = db.scalar("SELECT coalesce(min(complete), 0) FROM run");
        const bool lossAccepted =
            rules.allowDataLoss && db.scalar("SELECT coalesce(sum(count), 0) FROM data_loss") > 0;
        RuleOutcome o{"the run is complete", complete == 1 || lossAccepted,
                      complete == 1 ? "yes" : lossAccepted ? "unknown (events were lost)" : "no", "== yes", {}};
        if (complete != 1)
            o.evidence = lossAccepted ? "the trace has no run_end event, which may be among the events lost"
                                      : "the trace has no run_end event: the run was cut short, or the trace was "
                                        "(set allow_incomplete = true in the rules to accept an incomplete run)";
        outcomes.push_back(std::move(o));
    }
    const bool noOracle = traceHasNoOracle(db);
    for (const MeasureRule& rule : rules.measures) {
        const MeasureDefinition& d = *findMeasure(rule.measure);
        RuleOutcome o;
        o.name = rule.name;
        o.expected = fmt::format("{} {}", comparisonText(rule.comparison), valueText(rule.value));
        if (noOracle && needsOracle(d)) {
            // Not a pass: nothing in a hardware trace could have seen stale data.
            o.actual = "unknown";
            o.evidence = fmt::format("{} comes from vcm's coherence oracle, and this trace has none (real KVM, "
                                     "trace-cmd): leave it out of the rules for hardware traces",
                                     rule.measure);
            outcomes.push_back(std::move(o));
            continue;
        }
        const std::int64_t actual = db.scalar(d.sql);
        o.actual = std::to_string(actual);
        o.passed = holds(RuleValue{actual}, rule.comparison, rule.value);
        o.evidence = firstFinding(db, d.findingKind);
        outcomes.push_back(std::move(o));
    }
    for (const SqlAssertion& assertion : rules.assertions) {
        RuleOutcome o;
        o.name = assertion.name;
        o.expected = fmt::format("{} {}", comparisonText(assertion.comparison), valueText(assertion.value));
        try {
            db::Statement q = db.prepare(assertion.sql);
            if (!q.step() || q.columnType(0) == db::ColumnType::Null) {
                o.actual = "NULL";
                o.evidence = fmt::format("the query returned no value: {}", assertion.sql);
            } else {
                RuleValue actual;
                if (q.columnType(0) == db::ColumnType::Integer)
                    actual = q.columnInt(0);
                else if (q.columnType(0) == db::ColumnType::Real)
                    actual = q.columnReal(0);
                else
                    actual = q.columnText(0);
                o.actual = valueText(actual);
                o.passed = holds(actual, assertion.comparison, assertion.value);
                o.evidence = assertion.sql;
            }
        } catch (const db::DatabaseError& e) {
            o.actual = "error";
            o.evidence = e.what();
        }
        outcomes.push_back(std::move(o));
    }
    return outcomes;
}

} // namespace vcm::analyzer
