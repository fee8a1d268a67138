// Ingest of a trace directory or live URL into a trace database on a worker thread (vcm::analyzer::ingestTrace),
// reporting progress to the GUI thread through queued signals, so the window stays responsive.
#pragma once

#include <QObject>
#include <QString>

class QThread;

namespace vcm::gui {

class IngestJob : public QObject {
    Q_OBJECT
public:
    explicit IngestJob(QObject* parent = nullptr);
    ~IngestJob() override;

    // Where the database of a source goes: beside a trace directory (TRACE_DIR.db) when that is writable,
    // else in the temporary directory.
    static QString databaseFor(const QString& source);

    // Ingests `source` (a trace directory or live URL) into databaseFor(source) on the calling thread and returns
    // that path: what --screenshot and --benchmark do with a trace rather than a database. Throws what the
    // ingest throws.
    static QString ingestNow(const QString& source);

    // follow: a following ingest (IngestOptions::follow), which writes `database` in place and commits as it
    // goes, so that the window can read it while a live session runs.
    void start(const QString& source, const QString& database, bool follow = false);
    bool isRunning() const;
    // Blocks until the worker ends (tests, and the window's destructor).
    void wait();

signals:
    void progress(quint64 events);
    void succeeded(QString database, quint64 events, quint64 lostEvents);
    void failed(QString message);

private:
    QThread* m_thread = nullptr;
};

} // namespace vcm::gui
