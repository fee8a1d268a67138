// `vcm report A --compare B`: the comparison laid out as a report document, rendered by the report's own text,
// Markdown and HTML renderers.
#include "vcm/analyzer/run_comparison.h"

#include "report_document.h"
#include "text_format.h"

#include <fmt/core.h>

namespace vcm::analyzer {
namespace {

using report::Align;

std::string runText(const ComparedRun& run)
{
    std::string text = fmt::format("{} under {}", run.scenario.empty() ? "?" : run.scenario,
                                   run.policy.empty() ? "?" : run.policy);
    if (run.seed)
        text += fmt::format(", seed {}", *run.seed);
    if (!run.overrides.empty())
        text += fmt::format(" ({})", run.overrides);
    return text + " — " + run.label;
}

std::string signedDifference(std::int64_t a, std::int64_t b)
{
    return b == a ? "=" : fmt::format("{:+}", b - a);
}

std::string time(const std::optional<std::int64_t>& ns)
{
    return ns ? formatDuration(static_cast<std::uint64_t>(*ns)) : "-";
}

const char* presenceText(Presence p)
{
    switch (p) {
    case Presence::OnlyA: return "only in A";
    case Presence::OnlyB: return "only in B";
    case Presence::Both: return "in both";
    }
    return "";
}

report::Section runsSection(const RunComparison& c)
{
    report::Section section{"Runs", {}};
    report::Fields fields;
    fields.items = {{"A", runText(c.a)}, {"B", runText(c.b)}};
    section.blocks.emplace_back(fields);
    if (!c.sameScenario)
        section.blocks.emplace_back(report::Alert{"A and B ran different scenarios: findings and flushes are matched "
                                                  "by what they are about, which may not mean the same in both."});
    report::Paragraph summary;
    summary.text = fmt::format("{} findings only in A, {} only in B, {} in both; {} flushes differ; {}.",
                               c.count(Presence::OnlyA), c.count(Presence::OnlyB), c.count(Presence::Both),
                               c.flushes.size(), c.divergence ? "the guests' sequences diverge" : "the guests did the same");
    section.blocks.emplace_back(summary);
    return section;
}

report::Section figuresSection(const RunComparison& c)
{
    report::Section section{"Figures", {}};
    report::Table table;
    table.header = {"figure", "A", "B", "B - A"};
    table.align = {Align::Left, Align::Right, Align::Right, Align::Right};
    for (const FigureDifference& f : c.figures)
        table.rows.push_back({f.name, fmt::format("{}", f.a), fmt::format("{}", f.b), signedDifference(f.a, f.b)});
    section.blocks.emplace_back(table);
    return section;
}

report::Section divergenceSection(const RunComparison& c)
{
    report::Section section{"First divergence", {}};
    if (!c.divergence) {
        section.blocks.emplace_back(report::Paragraph{"None: both runs' guests wrote the same markers, SCTLR changes "
                                                      "and console output in the same order (times are not compared)."});
        return section;
    }
    const Divergence& d = *c.divergence;
    report::Fields fields;
    fields.items = {
        {"after", fmt::format("{} events in common{}", d.index, d.lastCommon.empty() ? "" : ", the last " + d.lastCommon)},
        {"A", d.eventA ? fmt::format("{} at {}", *d.eventA, time(d.tsA)) : "(its sequence ends here)"},
        {"B", d.eventB ? fmt::format("{} at {}", *d.eventB, time(d.tsB)) : "(its sequence ends here)"},
    };
    section.blocks.emplace_back(fields);
    return section;
}

report::Section findingsSection(const RunComparison& c)
{
    report::Section section{"Findings", {}};
    if (c.findings.empty()) {
        section.blocks.emplace_back(report::Paragraph{"Neither run has findings."});
        return section;
    }
    report::Table table;
    table.header = {"where", "severity", "kind", "about", "A at", "B at", "explanation"};
    table.align = {Align::Left, Align::Left, Align::Left, Align::Left, Align::Right, Align::Right, Align::Left};
    table.lastColumnIsText = true;
    for (const FindingDifference& f : c.findings)
        table.rows.push_back({presenceText(f.presence), f.severity, f.kind, f.subject.empty() ? "-" : f.subject,
                              time(f.tsA), time(f.tsB), f.explanation});
    section.blocks.emplace_back(table);
    return section;
}

report::Section flushSection(const RunComparison& c)
{
    report::Section section{"Flushes that differ", {}};
    if (c.flushes.empty()) {
        section.blocks.emplace_back(report::Paragraph{"None: every flush is in both runs, its duration within a tenth."});
        return section;
    }
    report::Table table;
    table.header = {"VM", "flush", "A requested", "A took", "A longest segment", "B requested", "B took",
                    "B longest segment"};
    table.align = {Align::Left, Align::Right, Align::Right, Align::Right, Align::Right, Align::Right, Align::Right, Align::Right};
    for (const FlushDifference& f : c.flushes)
        table.rows.push_back({f.vm, fmt::format("{}", f.flushId), time(f.tsA), time(f.durA), time(f.longestSegmentA),
                              time(f.tsB), time(f.durB), time(f.longestSegmentB)});
    section.blocks.emplace_back(table);
    return section;
}

} // namespace

std::string renderComparison(const RunComparison& comparison, ReportFormat format)
{
    report::Document document;
    document.title = fmt::format("vcm report --compare: {} (A) and {} (B)", comparison.a.label, comparison.b.label);
    document.sections = {runsSection(comparison), figuresSection(comparison), divergenceSection(comparison),
                         findingsSection(comparison), flushSection(comparison)};
    return report::render(document, format);
}

} // namespace vcm::analyzer
