#include "vcm/gui/ingest_job.h"

#include "vcm/analyzer/ingest.h"
#include "vcm/db/database_file.h"
#include "vcm/db/remove_on_termination_signal.h"

#include <QCryptographicHash>
#include <QDir>

#include <filesystem>
#include <QFileInfo>
#include <QThread>

#include <exception>
#include <optional>

namespace vcm::gui {

IngestJob::IngestJob(QObject* parent) : QObject(parent) {}

IngestJob::~IngestJob()
{
    wait();
}

QString IngestJob::databaseFor(const QString& source)
{
    if (!analyzer::isLiveUrl(source.toStdString())) {
        const std::filesystem::path beside = analyzer::databaseBeside(source.toStdString());
        if (QFileInfo(QString::fromStdString(beside.parent_path().string())).isWritable())
            return QString::fromStdString(beside.string());
    }
    const QString key = QString::fromLatin1(QCryptographicHash::hash(source.toUtf8(), QCryptographicHash::Sha1).toHex().left(12));
    return QDir::temp().filePath(QStringLiteral("vcm-gui-%1.db").arg(key));
}

QString IngestJob::ingestNow(const QString& source)
{
    const QString database = databaseFor(source);
    const std::string to = database.toStdString();
    // Ctrl-C or kill during the ingest: no TRACE_DIR.db.tmp-PID left behind.
    const db::RemoveOnTerminationSignal cleanup(db::DatabaseFile::temporaryFor(to));
    analyzer::ingestTrace(source.toStdString(), to, {});
    return database;
}

void IngestJob::start(const QString& source, const QString& database, bool follow)
{
    wait();
    const std::string from = source.toStdString();
    const std::string to = database.toStdString();
    m_thread = QThread::create([this, from, to, database, follow] {
        try {
            analyzer::IngestOptions options;
            options.follow = follow;
            // Emitted from the worker: the connections to GUI objects are queued.
            options.progress = [this](std::uint64_t events) { emit progress(events); };
            // The window closed by SIGINT or SIGTERM mid-ingest leaves no TRACE_DIR.db.tmp-PID (issue 20 defect 6);
            // a following ingest writes the database itself, which is meant to stay.
            std::optional<db::RemoveOnTerminationSignal> cleanup;
            if (!follow)
                cleanup.emplace(db::DatabaseFile::temporaryFor(to));
            const analyzer::IngestResult result = analyzer::ingestTrace(from, to, options);
            emit succeeded(database, result.events, result.discardedEvents);
        } catch (const std::exception& error) {
            emit failed(QString::fromStdString(error.what()));
        }
    });
    m_thread->start();
}

bool IngestJob::isRunning() const
{
    return m_thread && m_thread->isRunning();
}

void IngestJob::wait()
{
    if (!m_thread)
        return;
    m_thread->wait();
    delete m_thread;
    m_thread = nullptr;
}

} // namespace vcm::gui
