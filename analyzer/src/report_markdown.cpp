// The Markdown report: tables for figures, fenced blocks for charts and console output.
#include "report_document.h"

#include <algorithm>

namespace vcm::analyzer::report {
namespace {

// Inline text that renders as itself: Markdown punctuation is escaped, HTML is neutralised, and a line
// break (which would end a table row) becomes a space.
std::string escape(const std::string& text)
{
    std::string out;
    for (char c : text) {
        switch (c) {
        case '\\':
        case '`':
        case '*':
        case '_':
        case '[':
        case ']':
        case '|':
            out += '\\';
            out += c;
            break;
        case '<':
            out += "&lt;";
            break;
        case '>':
            out += "&gt;";
            break;
        case '&':
            out += "&amp;";
            break;
        case '\n':
        case '\r':
            out += ' ';
            break;
        default:
            out += c;
        }
    }
    return out;
}

// A code fence longer than any run of backticks in the text.
std::string fenceFor(const std::string& text)
{
    std::size_t longest = 0;
    std::size_t run = 0;
    for (char c : text) {
        run = c == '`' ? run + 1 : 0;
        longest = std::max(longest, run);
    }
    return std::string(std::max<std::size_t>(3, longest + 1), '`');
}

std::string fenced(const std::string& text)
{
    const std::string fence = fenceFor(text);
    return fence + "text\n" + text + (text.empty() || text.back() == '\n' ? "" : "\n") + fence + '\n';
}

std::string row(const std::vector<std::string>& cells)
{
    std::string out = "|";
    for (const std::string& cell : cells)
        out += ' ' + escape(cell) + " |";
    return out + '\n';
}

std::string render(const Table& t)
{
    std::string out = row(t.header) + "|";
    for (Align a : t.align)
        out += a == Align::Right ? " ---: |" : " --- |";
    out += '\n';
    for (const auto& cells : t.rows)
        out += row(cells);
    return out;
}

std::string render(const Fields& f)
{
    std::string out = "| field | value |\n| --- | --- |\n";
    for (const auto& [key, value] : f.items)
        out += "| **" + escape(key) + "** | " + escape(value) + " |\n";
    return out;
}

std::string render(const Paragraph& p)
{
    return escape(p.text) + '\n';
}

std::string render(const Alert& a)
{
    return "> **" + escape(a.text) + "**\n";
}

std::string render(const Histogram& h)
{
    return fenced(asciiChart(h));
}

std::string render(const UtilisationChart& u)
{
    return fenced(asciiChart(u));
}

std::string render(const Preformatted& p)
{
    return "### " + escape(p.heading) + "\n\n" + fenced(p.text);
}

std::string renderBlocks(const std::vector<Block>& blocks)
{
    std::string out;
    for (const Block& block : blocks)
        out += '\n' + std::visit([](const auto& b) { return render(b); }, block);
    return out;
}

} // namespace

std::string renderMarkdown(const Document& d)
{
    std::string out = "# " + escape(d.title) + '\n' + renderBlocks(d.preamble);
    for (const Section& s : d.sections)
        out += "\n## " + escape(s.title) + '\n' + renderBlocks(s.blocks);
    return out;
}

} // namespace vcm::analyzer::report
