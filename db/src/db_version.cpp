#include "vcm/db/db_version.h"

#include <sqlite3.h>

namespace vcm::db {

std::string sqliteVersion()
{
    return sqlite3_libversion();
}

} // namespace vcm::db
