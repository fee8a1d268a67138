// A trace database built from a synthetic event stream: the detector tests describe a run event by event
// (through the same TraceDatabaseBuilder that ingest uses) and then look at what the detectors found.
#pragma once

#include "vcm/analyzer/detectors.h"
#include "vcm/analyzer/trace_database_builder.h"
#include "vcm/db/database.h"
#include "vcm/db/schema.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <string>
#include <unistd.h>

namespace vcm::analyzer::testing {

class SyntheticTrace {
public:
    SyntheticTrace()
        : m_file(std::filesystem::temp_directory_path() /
                 ("vcm-synthetic-" + std::to_string(::getpid()) + "-" + std::to_string(s_counter++) + ".db")),
          m_db((std::filesystem::remove(m_file), m_file), db::Database::Mode::Create)
    {
        db::createSchema(m_db);
        m_builder = std::make_unique<TraceDatabaseBuilder>(m_db);
    }
    ~SyntheticTrace()
    {
        m_builder.reset();
        m_db.close();
        std::filesystem::remove(m_file);
    }

    // The next event, at virtual time t: returns the builder to call the event on.
    TraceDatabaseBuilder& at(std::uint64_t t)
    {
        m_builder->beginEvent(t);
        return *m_builder;
    }
    TraceDatabaseBuilder& untimed()
    {
        m_builder->beginEvent(std::nullopt);
        return *m_builder;
    }

    // A machine of 2x2 cores, the agents of one VM "d1" with vCPU d1v0 (agent 5) on core 0, and of a
    // second VM "d2" with vCPU d2v0 (agent 6) on core 0 too.
    void standardMachine(const std::string& policy)
    {
        tracer::RunConfiguration c;
        c.scenario = "synthetic";
        c.policy = policy;
        c.clusters = 2;
        c.coresPerCluster = 2;
        c.lineBytes = 64;
        c.coreMHz = 2000;
        untimed().runConfiguration(c);
        for (std::uint32_t core = 0; core < 4; ++core)
            untimed().agent(core, tracer::AgentRole::Hypervisor, "hyp@core" + std::to_string(core),
                            static_cast<std::int32_t>(core));
        untimed().agent(4, tracer::AgentRole::Hypervisor, "domain-builder", -1);
        untimed().agent(5, tracer::AgentRole::Vcpu, "d1v0", 0);
        untimed().vcpuCreate(0, 0, 5, 0, "d1", "d1v0");
        untimed().agent(6, tracer::AgentRole::Vcpu, "d2v0", 0);
        untimed().vcpuCreate(1, 0, 6, 0, "d2", "d2v0");
    }

    // Ends the stream, builds indexes, runs the detectors.
    db::Database& analyse(const DetectorOptions& options = {})
    {
        m_builder->finish();
        db::createIndexes(m_db);
        runDetectors(m_db, options);
        return m_db;
    }

    std::int64_t count(const std::string& sql) { return m_db.scalar(sql); }
    std::int64_t findings(const std::string& kind)
    {
        db::Statement q = m_db.prepare("SELECT count(*) FROM finding WHERE kind = ?");
        q.bind(1, kind);
        q.step();
        return q.columnInt(0);
    }
    std::string text(const std::string& sql)
    {
        db::Statement q = m_db.prepare(sql);
        return q.step() ? q.columnText(0) : std::string("(no row)");
    }
    db::Database& db() { return m_db; }
    const std::filesystem::path& file() const { return m_file; }

private:
    static inline int s_counter = 0;
    std::filesystem::path m_file;
    db::Database m_db;
    std::unique_ptr<TraceDatabaseBuilder> m_builder;
};

} // namespace vcm::analyzer::testing
