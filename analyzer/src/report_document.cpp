// What `vcm report` says, section by section (docs/report-and-export.md explains each figure).
#include "report_document.h"

#include "text_format.h"

#include <fmt/core.h>

#include <algorithm>

namespace vcm::analyzer::report {
namespace {


std::string duration(std::int64_t ns)
{
    return formatDuration(static_cast<std::uint64_t>(std::max<std::int64_t>(ns, 0)));
}

// A virtual time, exact to the nanosecond: "7.255716 ms".
std::string at(std::int64_t ns)
{
    const std::int64_t t = std::max<std::int64_t>(ns, 0);
    return fmt::format("{}.{:06} ms", t / 1'000'000, t % 1'000'000);
}

std::string number(std::int64_t value)
{
    return std::to_string(value);
}

std::string percent(std::int64_t part, std::int64_t whole)
{
    return whole > 0 ? fmt::format("{:.1f}%", 100.0 * static_cast<double>(part) / static_cast<double>(whole)) : "n/a";
}

// "1 trap", "2 traps".
std::string counted(std::int64_t n, const char* singular)
{
    return fmt::format("{} {}{}", n, singular, n == 1 ? "" : "s");
}

std::string optionalNumber(const std::optional<std::int64_t>& value)
{
    return value ? number(*value) : "unknown";
}

// Console output as printable text: CR LF becomes LF; other control characters become \xNN.
std::string printable(const std::string& text)
{
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const auto c = static_cast<unsigned char>(text[i]);
        if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n')
            continue;
        if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7f)
            out += fmt::format("\\x{:02x}", c);
        else
            out += static_cast<char>(c);
    }
    return out;
}

std::string lossText(const RunHeader& h)
{
    std::string text = fmt::format("{} events discarded, {} packets lost, in {}", h.discardedEvents, h.lostPackets,
                                   counted(h.lossRanges, "gap"));
    if (h.firstLossTs)
        text += fmt::format(" (the first after {})", at(*h.firstLossTs));
    return text;
}

std::vector<Block> preamble(const RunHeader& h)
{
    std::vector<Block> blocks;
    if (h.lostData())
        blocks.emplace_back(Alert{
            fmt::format("THE TRACE LOST DATA: {}. Every count, sum and maximum below covers only the events that were "
                        "recorded; findings are marked uncertain.",
                        lossText(h))});
    if (!h.complete)
        blocks.emplace_back(Alert{"INCOMPLETE RUN: the trace has no run_configuration or no run_end (the run "
                                  "stopped early or the trace was cut). Figures cover the part that was traced."});
    return blocks;
}

Section runSection(const RunHeader& h)
{
    Fields f;
    f.items.emplace_back("scenario", h.scenario);
    f.items.emplace_back("policy", h.policy);
    if (!h.overrides.empty())
        f.items.emplace_back("overrides", h.overrides);
    f.items.emplace_back("seed", optionalNumber(h.seed));
    f.items.emplace_back("vcm version", h.vcmVersion);
    if (h.clusters && h.coresPerCluster)
        f.items.emplace_back("machine", fmt::format("{} of {} cores, {} MHz", counted(*h.clusters, "cluster"),
                                                    *h.coresPerCluster, optionalNumber(h.coreMHz)));
    f.items.emplace_back("virtual end time", fmt::format("{} ({} ns)", duration(h.endTs), h.endTs));
    f.items.emplace_back("instructions", optionalNumber(h.instructions));
    f.items.emplace_back("complete", h.complete ? "yes" : "NO");
    f.items.emplace_back("events", optionalNumber(h.events));
    f.items.emplace_back("data loss", h.lostData() ? "YES: " + lossText(h) : "none");
    if (h.unknownEvents > 0)
        f.items.emplace_back("unknown events", fmt::format("{} (kept in raw_event)", h.unknownEvents));
    f.items.emplace_back("coherence oracle",
                         fmt::format("{} ({}), {}, {} ({} open at the end)", counted(h.staleReads, "stale read"),
                                     counted(h.staleWords, "word"), counted(h.clobbers, "clobber"),
                                     counted(h.staleWindows, "stale-data window"), h.openStaleWindows));
    return {"Run", {f}};
}

Table trapTable(const std::vector<TrapGroup>& groups, bool byWhat)
{
    Table t;
    t.header = {"kind", "count", "with caches on", "first", "last"};
    t.align = {Align::Left, Align::Right, Align::Right, Align::Right, Align::Right};
    if (byWhat) {
        t.header.insert(t.header.begin(), "what");
        t.align.insert(t.align.begin(), Align::Left);
    }
    for (const TrapGroup& g : groups) {
        std::vector<std::string> row = {g.kind, number(g.count), number(g.cachesOn), at(g.firstTs), at(g.lastTs)};
        if (byWhat)
            row.insert(row.begin(), g.what);
        t.rows.push_back(std::move(row));
    }
    return t;
}

Section trapSection(const RunSummary& s)
{
    Section section{"Traps", {}};
    std::int64_t total = 0;
    for (const TrapGroup& g : s.trapsByKind)
        total += g.count;
    if (total == 0) {
        section.blocks.emplace_back(Paragraph{"No traps."});
        return section;
    }
    section.blocks.emplace_back(Paragraph{
        counted(total, "trap") + ". The trace dates each trap but not the end of its handling, so there are counts "
                                 "and the first and last time only, no handling time."});
    section.blocks.emplace_back(trapTable(s.trapsByKind, false));
    section.blocks.emplace_back(trapTable(s.trapsByWhat, true));
    return section;
}

Fields flushFields(const FlushSummary& f)
{
    Fields fields;
    fields.items.emplace_back("flushes", fmt::format("{} ({} finished)", f.flushes, f.finished));
    std::string segments = number(f.segments);
    if (f.orphanSegments > 0)
        segments += fmt::format(" ({} whose request the trace lost)", f.orphanSegments);
    fields.items.emplace_back("segments", segments);
    fields.items.emplace_back("pages", number(f.pages));
    fields.items.emplace_back("time in segments", duration(f.segmentTime));
    if (f.max)
        fields.items.emplace_back("segment length", fmt::format("p50 {}, p95 {}, max {}", duration(*f.p50),
                                                                duration(*f.p95), duration(*f.max)));
    fields.items.emplace_back("longest unpreempted delay", duration(f.longestUnpreemptedDelay));
    fields.items.emplace_back("longest flush (request to last segment)", duration(f.longestFlush));
    return fields;
}

Histogram segmentHistogram(const FlushSummary& f)
{
    Histogram h{"Flush segment lengths", "segment length", "segments", {}};
    for (const HistogramBucket& b : f.histogram)
        h.bars.push_back({duration(b.low), duration(b.high), b.count});
    return h;
}

Table flushTable(const FlushSummary& f)
{
    Table t;
    t.header = {"VM",       "flush", "requested by",    "reason",        "requested at", "duration",
                "segments", "pages", "longest segment", "longest delay", "finished"};
    t.align = {Align::Left,  Align::Right, Align::Left,  Align::Left,  Align::Right, Align::Right,
               Align::Right, Align::Right, Align::Right, Align::Right, Align::Left};
    for (const FlushListEntry& r : f.list)
        t.rows.push_back({r.vm, number(r.flushId), r.requestedBy, r.reason, at(r.ts), duration(r.dur),
                          number(r.segments), number(r.pages), duration(r.longestSegment), duration(r.longestDelay),
                          r.finished ? "yes" : "no"});
    return t;
}

Section flushSection(const FlushSummary& f)
{
    Section section{"Flushes", {}};
    if (f.flushes == 0 && f.segments == 0) {
        section.blocks.emplace_back(Paragraph{"No full-guest flushes."});
        return section;
    }
    section.blocks.emplace_back(flushFields(f));
    if (!f.histogram.empty())
        section.blocks.emplace_back(segmentHistogram(f));
    if (!f.list.empty())
        section.blocks.emplace_back(flushTable(f));
    if (f.flushes > static_cast<std::int64_t>(f.list.size()))
        section.blocks.emplace_back(Paragraph{fmt::format("... and {} more flushes (vcm query: SELECT * FROM flush).",
                                                          f.flushes - static_cast<std::int64_t>(f.list.size()))});
    return section;
}

Section vcpuSection(const std::vector<VcpuSummary>& vcpus)
{
    Section section{"vCPUs", {}};
    if (vcpus.empty()) {
        section.blocks.emplace_back(Paragraph{"No vCPUs in the trace."});
        return section;
    }
    Table t;
    t.header = {"vCPU",         "VM",         "guest time", "of which flush", "slices",
                "instructions", "migrations", "traps",      "worst wait",     "wait began"};
    t.align = {Align::Left,  Align::Left,  Align::Right, Align::Right, Align::Right,
               Align::Right, Align::Right, Align::Right, Align::Right, Align::Right};
    for (const VcpuSummary& v : vcpus)
        t.rows.push_back({v.name, v.vm, duration(v.guestTime), duration(v.flushTime), number(v.slices),
                          number(v.instructions), number(v.migrations), number(v.traps),
                          v.worstWait ? duration(*v.worstWait) : "-",
                          v.worstWait.value_or(0) > 0 ? at(v.worstWaitAt.value_or(0)) : "-"});
    section.blocks.emplace_back(std::move(t));
    section.blocks.emplace_back(Paragraph{
        "guest time: the vCPU's scheduled slices, including the EL2 flush work run at their start (of which "
        "flush). worst wait: the longest time the vCPU was runnable (its slice ended with slice_end, yield or "
        "preempted) before its next slice began."});
    return section;
}

UtilisationChart utilisationChart(const std::vector<CoreSummary>& cores, std::int64_t end)
{
    UtilisationChart chart{"Core utilisation (share of the run's virtual time)", {}};
    const double whole = end > 0 ? static_cast<double>(end) : 1.0;
    for (const CoreSummary& c : cores) {
        const double busy = std::clamp(static_cast<double>(c.busy) / whole, 0.0, 1.0);
        const double flush = std::clamp(static_cast<double>(c.flush) / whole, 0.0, busy);
        chart.bars.push_back({fmt::format("core {}", c.id), busy - flush, flush,
                              fmt::format("{} (flush {})", percent(c.busy, end), percent(c.flush, end))});
    }
    return chart;
}

Section coreSection(const std::vector<CoreSummary>& cores, std::int64_t end)
{
    Section section{"Physical cores", {}};
    if (cores.empty()) {
        section.blocks.emplace_back(Paragraph{"No cores in the trace."});
        return section;
    }
    Table t;
    t.header = {"core", "cluster", "slices", "busy", "flush segments", "utilisation"};
    t.align = {Align::Right, Align::Right, Align::Right, Align::Right, Align::Right, Align::Right};
    for (const CoreSummary& c : cores)
        t.rows.push_back({number(c.id), c.cluster ? number(*c.cluster) : "-", number(c.slices), duration(c.busy),
                          duration(c.flush), percent(c.busy, end)});
    section.blocks.emplace_back(std::move(t));
    section.blocks.emplace_back(Paragraph{fmt::format(
        "busy: the vCPU slices on the core; flush segments: the full-guest flush work on the core, normally part "
        "of busy time; utilisation: busy time over the run's virtual end time ({}).",
        duration(end))});
    section.blocks.emplace_back(utilisationChart(cores, end));
    return section;
}

Table findingCountTable(const std::vector<FindingCount>& counts)
{
    Table t;
    t.header = {"severity", "kind", "count", "uncertain"};
    t.align = {Align::Left, Align::Left, Align::Right, Align::Right};
    for (const FindingCount& c : counts)
        t.rows.push_back({c.severity, c.kind, number(c.count), number(c.uncertain)});
    return t;
}

Table findingTable(const std::vector<FindingRow>& findings)
{
    Table t;
    t.header = {"severity", "kind", "at", "explanation"};
    t.align = {Align::Left, Align::Left, Align::Right, Align::Left};
    t.lastColumnIsText = true;
    for (const FindingRow& f : findings)
        t.rows.push_back({f.severity + (f.uncertain ? " (uncertain)" : ""), f.kind, at(f.ts), f.explanation});
    return t;
}

Section findingSection(const RunSummary& s)
{
    Section section{"Findings", {}};
    if (s.findingTotal == 0) {
        section.blocks.emplace_back(Paragraph{"No findings."});
        return section;
    }
    section.blocks.emplace_back(Paragraph{counted(s.findingTotal, "finding") + ", errors first, then by time."});
    section.blocks.emplace_back(findingCountTable(s.findingCounts));
    section.blocks.emplace_back(findingTable(s.findings));
    if (s.findingTotal > static_cast<std::int64_t>(s.findings.size()))
        section.blocks.emplace_back(
            Paragraph{fmt::format("... and {} more findings (vcm query: SELECT * FROM finding).",
                                  s.findingTotal - static_cast<std::int64_t>(s.findings.size()))});
    return section;
}

Section consoleSection(const std::vector<ConsoleOutput>& consoles)
{
    Section section{"Console", {}};
    for (const ConsoleOutput& c : consoles)
        section.blocks.emplace_back(Preformatted{c.vcpu, printable(c.text) + (c.truncated ? "\n[... truncated]" : "")});
    return section;
}

} // namespace

Document buildReportDocument(const RunSummary& s)
{
    Document d;
    d.title = fmt::format("vcm report: {} under {}", s.header.scenario, s.header.policy);
    d.preamble = preamble(s.header);
    d.sections.push_back(runSection(s.header));
    d.sections.push_back(trapSection(s));
    d.sections.push_back(flushSection(s.flush));
    d.sections.push_back(vcpuSection(s.vcpus));
    d.sections.push_back(coreSection(s.cores, s.header.endTs));
    d.sections.push_back(findingSection(s));
    if (!s.consoles.empty())
        d.sections.push_back(consoleSection(s.consoles));
    return d;
}

} // namespace vcm::analyzer::report
