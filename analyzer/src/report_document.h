// The report as a small document: sections of blocks (fields, tables, alerts, charts, preformatted text),
// every figure already formatted. buildReportDocument() decides what the report says; the three renderers
// decide only how it looks, so text, Markdown and HTML always carry the same content.
#pragma once

#include "run_summary.h"
#include "vcm/analyzer/report.h"

#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace vcm::analyzer::report {

struct Paragraph {
    std::string text;
};

// Something the reader must not miss (lost trace data, an incomplete run).
struct Alert {
    std::string text;
};

struct Fields {
    std::vector<std::pair<std::string, std::string>> items;
};

enum class Align { Left, Right };

struct Table {
    std::vector<std::string> header;
    std::vector<Align> align; // one per column
    std::vector<std::vector<std::string>> rows;
    // The last column is long free text: the text renderer puts it under its row, word-wrapped.
    bool lastColumnIsText = false;
};

// A histogram bucket: its bounds, formatted, and how many values fell in it.
struct ChartBar {
    std::string low;
    std::string high;
    std::uint64_t count = 0;

    std::string label() const { return low + " - " + high; }
};

// Counts per bucket, drawn as vertical bars (HTML, one per bucket) or rows of '#' (text, where a run of
// empty buckets shares one row).
struct Histogram {
    std::string title;
    std::string xLabel;
    std::string yLabel;
    std::vector<ChartBar> bars;
};

struct UtilisationBar {
    std::string label;
    double guest = 0;  // fraction of the run, 0..1: busy time other than flush segments
    double flush = 0;  // fraction of the run, 0..1: flush segments
    std::string value; // e.g. "72.5% (flush 10.0%)"
};

// Per-core busy time as horizontal stacked bars over 0..100% of the run.
struct UtilisationChart {
    std::string title;
    std::vector<UtilisationBar> bars;
};

struct Preformatted {
    std::string heading;
    std::string text;
};

using Block = std::variant<Paragraph, Alert, Fields, Table, Histogram, UtilisationChart, Preformatted>;

struct Section {
    std::string title;
    std::vector<Block> blocks;
};

struct Document {
    std::string title;
    std::vector<Block> preamble; // before the first section: alerts
    std::vector<Section> sections;
};

Document buildReportDocument(const RunSummary& summary);

std::string renderText(const Document& document);
std::string renderMarkdown(const Document& document);
std::string renderHtml(const Document& document);
// The renderer `format` names.
std::string render(const Document& document, ReportFormat format);

// Shared by the text and Markdown renderers: the charts as rows of characters.
std::string asciiChart(const Histogram& chart);
std::string asciiChart(const UtilisationChart& chart);

} // namespace vcm::analyzer::report
