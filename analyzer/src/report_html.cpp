// The HTML report: one self-contained file (inline CSS and SVG, no scripts, nothing fetched), so it can be
// attached to a bug or archived by CI and still open anywhere.
#include "report_document.h"
#include "text_format.h"

#include <fmt/core.h>

#include <algorithm>

namespace vcm::analyzer::report {
namespace {

constexpr const char* kStyle =
    R"(body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1b1b1b;background:#fff;
max-width:78em;margin:2em auto;padding:0 1em;line-height:1.4}
h1{font-size:1.6em}
h2{font-size:1.25em;border-bottom:1px solid #ccc;padding-bottom:.2em;margin-top:1.8em}
h3{font-size:1em}
table{border-collapse:collapse;margin:.8em 0}
th,td{border:1px solid #ddd;padding:.25em .6em;vertical-align:top;text-align:left}
thead th{background:#f2f2f2}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
table.fields th{font-weight:600;background:#fafafa}
.alert{border:2px solid #b00020;background:#fdecea;color:#7a0014;padding:.7em 1em;font-weight:700}
pre{background:#f6f8fa;border:1px solid #ddd;padding:.7em;overflow-x:auto}
figure{margin:1em 0}
figcaption{font-size:.9em;color:#555}
svg text{font:11px sans-serif;fill:#333}
svg .bar,svg .guest{fill:#3b6fb6}
svg .flush{fill:#e0812b}
svg .track{fill:#eee}
svg .axis{stroke:#666;stroke-width:1}
)";


std::string cell(const char* tag, const std::string& text, Align align)
{
    return fmt::format("<{0}{1}>{2}</{0}>", tag, align == Align::Right ? " class=\"num\"" : "", markupEscape(text));
}

std::string render(const Table& t)
{
    std::string out = "<table>\n<thead><tr>";
    for (std::size_t c = 0; c < t.header.size(); ++c)
        out += cell("th", t.header[c], t.align[c]);
    out += "</tr></thead>\n<tbody>\n";
    for (const auto& row : t.rows) {
        out += "<tr>";
        for (std::size_t c = 0; c < row.size(); ++c)
            out += cell("td", row[c], t.align[c]);
        out += "</tr>\n";
    }
    return out + "</tbody>\n</table>\n";
}

std::string render(const Fields& f)
{
    std::string out = "<table class=\"fields\">\n";
    for (const auto& [key, value] : f.items)
        out += "<tr><th>" + markupEscape(key) + "</th><td>" + markupEscape(value) + "</td></tr>\n";
    return out + "</table>\n";
}

std::string render(const Paragraph& p)
{
    return "<p>" + markupEscape(p.text) + "</p>\n";
}

std::string render(const Alert& a)
{
    return "<p class=\"alert\">" + markupEscape(a.text) + "</p>\n";
}

// Vertical bars, one per bucket, labelled below (rotated) and with their count on top.
std::string render(const Histogram& h)
{
    constexpr double kWidth = 720, kLeft = 56, kRight = 12, kTop = 20, kPlot = 180, kBottom = 110;
    const double slot = (kWidth - kLeft - kRight) / static_cast<double>(std::max<std::size_t>(h.bars.size(), 1));
    const double base = kTop + kPlot;
    std::uint64_t most = 1;
    for (const ChartBar& bar : h.bars)
        most = std::max(most, bar.count);
    std::string out = fmt::format(
        "<figure>\n<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{0:.0f}\" height=\"{1:.0f}\" viewBox=\"0 0 "
        "{0:.0f} {1:.0f}\" role=\"img\" aria-label=\"{2}\">\n",
        kWidth, base + kBottom, markupEscape(h.title));
    for (std::size_t i = 0; i < h.bars.size(); ++i) {
        const ChartBar& bar = h.bars[i];
        const double height = kPlot * static_cast<double>(bar.count) / static_cast<double>(most);
        const double x = kLeft + slot * static_cast<double>(i);
        const double centre = x + slot / 2;
        out += fmt::format("<rect class=\"bar\" x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\">"
                           "<title>{}: {} {}</title></rect>\n",
                           x + slot * 0.1, base - height, slot * 0.8, height, markupEscape(bar.label()), bar.count,
                           markupEscape(h.yLabel));
        if (bar.count > 0)
            out += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\">{}</text>\n", centre,
                               base - height - 4, bar.count);
        out += fmt::format("<text transform=\"translate({:.1f} {:.1f}) rotate(-40)\" text-anchor=\"end\">{}</text>\n",
                           centre + 3, base + 12, markupEscape(bar.label()));
    }
    out += fmt::format("<line class=\"axis\" x1=\"{0:.0f}\" y1=\"{1:.0f}\" x2=\"{2:.0f}\" y2=\"{1:.0f}\"/>\n"
                       "<line class=\"axis\" x1=\"{0:.0f}\" y1=\"{3:.0f}\" x2=\"{0:.0f}\" y2=\"{1:.0f}\"/>\n"
                       "<text x=\"{4:.0f}\" y=\"{1:.0f}\" text-anchor=\"end\">0</text>\n"
                       "<text x=\"{4:.0f}\" y=\"{5:.0f}\" text-anchor=\"end\">{6}</text>\n"
                       "<text transform=\"translate(14 {7:.0f}) rotate(-90)\" text-anchor=\"middle\">{8}</text>\n"
                       "<text x=\"{9:.0f}\" y=\"{10:.0f}\" text-anchor=\"middle\">{11}</text>\n",
                       kLeft, base, kWidth - kRight, kTop, kLeft - 6, kTop + 4, most, kTop + kPlot / 2,
                       markupEscape(h.yLabel), (kLeft + kWidth - kRight) / 2, base + kBottom - 6, markupEscape(h.xLabel));
    return out + "</svg>\n<figcaption>" + markupEscape(h.title) + "</figcaption>\n</figure>\n";
}

// One horizontal track per core over 0..100% of the run: guest time, then flush segments.
std::string render(const UtilisationChart& u)
{
    constexpr double kWidth = 720, kLabel = 70, kBar = 440, kRow = 24, kHeight = 16;
    const double height = kRow * static_cast<double>(u.bars.size()) + 46;
    std::string out = fmt::format(
        "<figure>\n<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{0:.0f}\" height=\"{1:.0f}\" viewBox=\"0 0 "
        "{0:.0f} {1:.0f}\" role=\"img\" aria-label=\"{2}\">\n",
        kWidth, height, markupEscape(u.title));
    for (std::size_t i = 0; i < u.bars.size(); ++i) {
        const UtilisationBar& bar = u.bars[i];
        const double y = 6 + kRow * static_cast<double>(i);
        const double guest = kBar * std::clamp(bar.guest, 0.0, 1.0);
        const double flush = std::min(kBar - guest, kBar * std::clamp(bar.flush, 0.0, 1.0));
        const std::string title = markupEscape(bar.label + ": " + bar.value);
        out += fmt::format("<text x=\"{:.0f}\" y=\"{:.1f}\" text-anchor=\"end\">{}</text>\n", kLabel - 8, y + 12,
                           markupEscape(bar.label));
        out += fmt::format("<rect class=\"track\" x=\"{:.0f}\" y=\"{:.1f}\" width=\"{:.0f}\" height=\"{:.0f}\"/>\n",
                           kLabel, y, kBar, kHeight);
        out += fmt::format("<rect class=\"guest\" x=\"{:.0f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.0f}\">"
                           "<title>{}</title></rect>\n",
                           kLabel, y, guest, kHeight, title);
        out += fmt::format("<rect class=\"flush\" x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.0f}\">"
                           "<title>{}</title></rect>\n",
                           kLabel + guest, y, flush, kHeight, title);
        out += fmt::format("<text x=\"{:.0f}\" y=\"{:.1f}\">{}</text>\n", kLabel + kBar + 8, y + 12, markupEscape(bar.value));
    }
    const double axis = 6 + kRow * static_cast<double>(u.bars.size());
    out += fmt::format("<text x=\"{0:.0f}\" y=\"{1:.0f}\" text-anchor=\"middle\">0%</text>\n"
                       "<text x=\"{2:.0f}\" y=\"{1:.0f}\" text-anchor=\"middle\">100%</text>\n"
                       "<rect class=\"guest\" x=\"{0:.0f}\" y=\"{3:.0f}\" width=\"10\" height=\"10\"/>"
                       "<text x=\"{4:.0f}\" y=\"{5:.0f}\">guest (busy minus flush)</text>\n"
                       "<rect class=\"flush\" x=\"{6:.0f}\" y=\"{3:.0f}\" width=\"10\" height=\"10\"/>"
                       "<text x=\"{7:.0f}\" y=\"{5:.0f}\">flush segments</text>\n",
                       kLabel, axis + 8, kLabel + kBar, axis + 20, kLabel + 14, axis + 29, kLabel + 190, kLabel + 204);
    return out + "</svg>\n<figcaption>" + markupEscape(u.title) + "</figcaption>\n</figure>\n";
}

std::string render(const Preformatted& p)
{
    return "<h3>" + markupEscape(p.heading) + "</h3>\n<pre>" + markupEscape(p.text) + "</pre>\n";
}

std::string renderBlocks(const std::vector<Block>& blocks)
{
    std::string out;
    for (const Block& block : blocks)
        out += std::visit([](const auto& b) { return render(b); }, block);
    return out;
}

} // namespace

std::string renderHtml(const Document& d)
{
    std::string out = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                      "<meta name=\"generator\" content=\"vcm report\">\n<title>" +
                      markupEscape(d.title) + "</title>\n<style>\n" + kStyle + "</style>\n</head>\n<body>\n<h1>" +
                      markupEscape(d.title) + "</h1>\n" + renderBlocks(d.preamble);
    for (const Section& s : d.sections)
        out += "<section>\n<h2>" + markupEscape(s.title) + "</h2>\n" + renderBlocks(s.blocks) + "</section>\n";
    return out + "</body>\n</html>\n";
}

} // namespace vcm::analyzer::report
