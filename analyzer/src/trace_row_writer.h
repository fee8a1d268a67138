// Inserts batches of trace rows (trace_rows.h) into a trace database on a thread of its own, so that SQLite's
// work overlaps the decoding of the trace on the caller's thread. Between the two, a bounded queue of batches:
// the reader waits when the writer is that many batches behind. The writer uses the caller's connection (and
// its open transaction, if any) and only it: the caller must not touch the database between constructing the
// writer and finish() returning. An error on the writer thread stops it and is rethrown to the caller by the
// next submit() or by finish(), never dropped while the caller is still handing over rows.
// A batch may be handed over with a commit point: once the writer has inserted it, it commits the open
// transaction and begins the next one (a following ingest, whose readers see the rows committed so far). The
// commit happens on the writer thread because the connection is the writer's until finish().
#pragma once

#include "bounded_queue.h"
#include "trace_rows.h"
#include "vcm/db/database.h"

#include <exception>
#include <memory>
#include <thread>

namespace vcm::analyzer {

class TraceRowWriter {
public:
    // Prepares the INSERT statements (errors are thrown here, on the caller's thread) and starts the thread.
    explicit TraceRowWriter(db::Database& db);
    // Without finish(): stops the thread and drops the rows not yet written (the caller is abandoning the
    // database, e.g. rolling back after a read error).
    ~TraceRowWriter();
    TraceRowWriter(const TraceRowWriter&) = delete;
    TraceRowWriter& operator=(const TraceRowWriter&) = delete;

    // An empty batch to fill, recycled from the writer when it has one (its vectors keep their capacity).
    RowBatch emptyBatch();
    // Hands a batch over. Waits while the queue is full; throws the writer's error if it failed. commitAfter:
    // COMMIT and BEGIN once the batch is written (the caller must have begun a transaction).
    void submit(RowBatch&& batch, bool commitAfter = false);
    // Writes everything handed over, stops the thread; throws the writer's error if it failed. The database
    // is the caller's again afterwards.
    void finish();

private:
    struct Statements;
    struct Submitted {
        RowBatch batch;
        bool commitAfter = false;
    };
    void run();
    [[noreturn]] void rethrowFailure();

    db::Database& m_db;
    std::unique_ptr<Statements> m_statements;
    BoundedQueue<Submitted> m_full;
    BoundedQueue<RowBatch> m_empty;
    std::exception_ptr m_failure; // written by the writer thread before it cancels m_full
    std::thread m_thread;
    bool m_finished = false;
};

} // namespace vcm::analyzer
