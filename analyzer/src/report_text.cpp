// The plain-text report: aligned columns for a terminal, 100 columns wide for prose.
#include "report_document.h"

#include <fmt/core.h>

#include <algorithm>
#include <cmath>

namespace vcm::analyzer::report {
namespace {

constexpr std::size_t kWidth = 100;

// Columns on a terminal: UTF-8 continuation bytes take none.
std::size_t columns(const std::string& text)
{
    return static_cast<std::size_t>(
        std::count_if(text.begin(), text.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

std::string pad(const std::string& text, std::size_t width, Align align)
{
    const std::string fill(width - std::min(width, columns(text)), ' ');
    return align == Align::Right ? fill + text : text + fill;
}

// Word-wraps text to lines of at most `width` columns (longer words stand alone), each after `indent`.
std::string wrap(const std::string& text, std::size_t width, const std::string& indent)
{
    std::string out;
    std::string line;
    std::size_t start = 0;
    while (start <= text.size()) {
        std::size_t end = text.find(' ', start);
        if (end == std::string::npos)
            end = text.size();
        const std::string word = text.substr(start, end - start);
        if (!line.empty() && columns(line) + 1 + columns(word) > width) {
            out += indent + line + '\n';
            line.clear();
        }
        if (!word.empty())
            line += (line.empty() ? "" : " ") + word;
        start = end + 1;
    }
    if (!line.empty())
        out += indent + line + '\n';
    return out;
}

std::string underline(const std::string& title, char c)
{
    return title + '\n' + std::string(columns(title), c) + '\n';
}

std::string tableLine(const std::vector<std::string>& cells, const std::vector<std::size_t>& width,
                      const std::vector<Align>& align, std::size_t count)
{
    std::string line;
    for (std::size_t c = 0; c < count; ++c) {
        // The last column is not padded on the right: no trailing blanks.
        const bool last = c + 1 == count;
        line += (c ? "  " : "") + (last && align[c] == Align::Left ? cells[c] : pad(cells[c], width[c], align[c]));
    }
    return line + '\n';
}

std::string render(const Table& t)
{
    const std::size_t aligned = t.lastColumnIsText ? t.header.size() - 1 : t.header.size();
    std::vector<std::size_t> width(t.header.size(), 0);
    for (std::size_t c = 0; c < aligned; ++c) {
        width[c] = columns(t.header[c]);
        for (const auto& row : t.rows)
            width[c] = std::max(width[c], columns(row[c]));
    }
    std::string out = tableLine(t.header, width, t.align, aligned);
    std::vector<std::string> rule;
    for (std::size_t c = 0; c < aligned; ++c)
        rule.emplace_back(width[c], '-');
    out += tableLine(rule, width, t.align, aligned);
    for (const auto& row : t.rows) {
        out += tableLine(row, width, t.align, aligned);
        if (t.lastColumnIsText)
            out += wrap(row.back(), kWidth - 4, "    ");
    }
    return out;
}

std::string render(const Fields& f)
{
    std::size_t width = 0;
    for (const auto& [key, value] : f.items)
        width = std::max(width, columns(key));
    std::string out;
    for (const auto& [key, value] : f.items)
        out += pad(key, width, Align::Left) + "  " + value + '\n';
    return out;
}

std::string render(const Paragraph& p)
{
    return wrap(p.text, kWidth, "");
}

std::string render(const Alert& a)
{
    const std::string rule(kWidth, '!');
    return rule + '\n' + wrap(a.text, kWidth - 4, "!!! ") + rule + '\n';
}

std::string render(const Histogram& h)
{
    return asciiChart(h);
}

std::string render(const UtilisationChart& u)
{
    return asciiChart(u);
}

std::string render(const Preformatted& p)
{
    std::string out = p.heading + ":\n";
    std::size_t start = 0;
    while (start < p.text.size()) {
        std::size_t end = p.text.find('\n', start);
        if (end == std::string::npos)
            end = p.text.size();
        out += "  | " + p.text.substr(start, end - start) + '\n';
        start = end + 1;
    }
    return out;
}

std::string renderBlocks(const std::vector<Block>& blocks)
{
    std::string out;
    for (const Block& block : blocks)
        out += std::visit([](const auto& b) { return render(b); }, block) + '\n';
    return out;
}

std::size_t barLength(double fraction, std::size_t width)
{
    return static_cast<std::size_t>(std::lround(std::clamp(fraction, 0.0, 1.0) * static_cast<double>(width)));
}

} // namespace

std::string asciiChart(const Histogram& chart)
{
    constexpr std::size_t kBar = 40;
    // Consecutive empty buckets share one row.
    std::vector<ChartBar> rows;
    for (const ChartBar& bar : chart.bars) {
        if (bar.count == 0 && !rows.empty() && rows.back().count == 0)
            rows.back().high = bar.high;
        else
            rows.push_back(bar);
    }
    std::uint64_t most = 1;
    std::size_t labelWidth = 0;
    for (const ChartBar& row : rows) {
        most = std::max(most, row.count);
        labelWidth = std::max(labelWidth, columns(row.label()));
    }
    std::string out = fmt::format("{} ({} per {})\n", chart.title, chart.yLabel, chart.xLabel);
    for (const ChartBar& row : rows) {
        // A bucket that is not empty always shows at least one mark.
        const double share = static_cast<double>(row.count) / static_cast<double>(most);
        const std::size_t length = row.count == 0 ? 0 : std::max<std::size_t>(1, barLength(share, kBar));
        out += fmt::format("  {} |{}{} {}\n", pad(row.label(), labelWidth, Align::Left), std::string(length, '#'),
                           std::string(kBar - length, ' '), row.count);
    }
    return out;
}

std::string asciiChart(const UtilisationChart& chart)
{
    constexpr std::size_t kBar = 50;
    std::size_t labelWidth = 0;
    for (const UtilisationBar& bar : chart.bars)
        labelWidth = std::max(labelWidth, columns(bar.label));
    std::string out = chart.title + " (# guest, = flush)\n";
    for (const UtilisationBar& bar : chart.bars) {
        const std::size_t guest = barLength(bar.guest, kBar);
        const std::size_t total = std::max(guest, barLength(bar.guest + bar.flush, kBar));
        out += fmt::format("  {} |{}{}{}| {}\n", pad(bar.label, labelWidth, Align::Left), std::string(guest, '#'),
                           std::string(total - guest, '='), std::string(kBar - total, ' '), bar.value);
    }
    return out;
}

std::string renderText(const Document& d)
{
    std::string out = underline(d.title, '=') + '\n';
    out += renderBlocks(d.preamble);
    for (const Section& s : d.sections)
        out += underline(s.title, '-') + '\n' + renderBlocks(s.blocks);
    while (out.size() > 1 && out[out.size() - 2] == '\n')
        out.pop_back();
    return out;
}

} // namespace vcm::analyzer::report
