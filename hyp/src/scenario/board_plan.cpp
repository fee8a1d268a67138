// [vm.board]: a VM on QEMU's virt board, read and checked (docs/scenarios.md, docs/board.md).
#include "scenario_table.h"

namespace vcm::hyp::scenario {
namespace {

void readImage(Table& board, const std::string& name, std::optional<BoardImage>& into)
{
    auto t = board.table(name);
    if (!t)
        return;
    BoardImage image;
    image.file = t->string("file", "");
    if (image.file.empty())
        throw ScenarioError(fmt::format("{}: {} needs file = \"<program or path>\"", where(t->file(), t->raw()),
                                        t->key(name)));
    const toml::node* ipa = t->raw().get("ipa");
    image.ipa = t->unsignedInteger("ipa", 0);
    if (ipa == nullptr)
        throw ScenarioError(fmt::format("{}: {} needs ipa = <where the toolstack places it>",
                                        where(t->file(), t->raw()), t->key(name)));
    const std::string mode = t->string("mode", toString(image.mode));
    try {
        image.mode = parseToolstackMode(mode);
    } catch (const std::invalid_argument& e) {
        throw ScenarioError(fmt::format("{}: {}: {}", where(t->file(), t->raw()), t->key("mode"), e.what()));
    }
    image.core = static_cast<memory::CoreId>(t->unsignedInteger("core", image.core, 0, 4095));
    t->rejectUnknown();
    into = image;
}

} // namespace

void readBoard(Table& vm, VmPlan& plan)
{
    auto t = vm.table("board");
    if (!t)
        return;
    BoardPlan board;
    board.kind = t->string("kind", board.kind);
    if (board.kind != "virt")
        throw ScenarioError(fmt::format("{}: {}: kind \"{}\": the only board is \"virt\" (QEMU's virt machine)",
                                        where(t->file(), t->raw()), t->key("kind"), board.kind));
    board.firmware = t->string("firmware", "");
    if (!board.firmware.empty() && !board.firmware.is_absolute())
        throw ScenarioError(fmt::format("{}: {} must be the absolute path of a flash image, e.g. "
                                        "\"/usr/lib/u-boot/qemu_arm64/u-boot.bin\"",
                                        where(t->file(), t->raw()), t->key("firmware")));
    board.firmwarePackage = t->string("firmware_package", "");
    board.flash1 = t->string("flash1", "");
    board.flash1Package = t->string("flash1_package", "");
    readImage(*t, "kernel", board.kernel);
    board.kernelPackage = t->string("kernel_package", "");
    if (board.firmware.empty() && !board.kernel)
        throw ScenarioError(fmt::format("{}: a board needs {} (a flash image, QEMU's -bios) or a kernel to boot "
                                        "directly (QEMU's -kernel)",
                                        where(t->file(), t->raw()), t->key("firmware")));
    readImage(*t, "initrd", board.initrd);
    board.bootargs = t->string("bootargs", "");
    board.deviceTree = t->string("dtb", "");
    board.stopOnConsole = t->string("stop_on_console", "");
    if (const toml::array* steps = t->array("console")) {
        for (const toml::node& item : *steps) {
            if (!item.is_table())
                throw ScenarioError(fmt::format("{}: {} entries must be tables {{ expect = \"=> \", send = \"...\" }}",
                                                where(t->file(), item), t->key("console")));
            Table step(t->file(), *item.as_table(), t->key("console[]"));
            board::ConsoleStep s{step.string("expect", ""), step.string("send", "")};
            step.rejectUnknown();
            if (s.expect.empty())
                throw ScenarioError(fmt::format("{}: a console step needs the text it waits for (expect)",
                                                where(t->file(), item)));
            board.console.push_back(std::move(s));
        }
    }
    t->rejectUnknown();
    plan.board = std::move(board);
}

} // namespace vcm::hyp::scenario
