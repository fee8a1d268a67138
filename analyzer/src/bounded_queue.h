// A queue of at most `capacity` items between threads: push() waits while it is full, which is what keeps a
// fast producer from running arbitrarily far ahead of a slow consumer (memory stays bounded). Items are
// meant to be large (batches of rows), so one lock per item is cheap per row.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <optional>

namespace vcm::analyzer {

template <typename T>
class BoundedQueue {
public:
    explicit BoundedQueue(std::size_t capacity) : m_capacity(capacity) {}

    // Waits for room. false: the queue was cancelled, the item was not taken.
    bool push(T&& item)
    {
        std::unique_lock lock(m_mutex);
        m_notFull.wait(lock, [this] { return m_cancelled || m_closed || m_items.size() < m_capacity; });
        if (m_cancelled || m_closed)
            return false;
        m_items.push_back(std::move(item));
        m_notEmpty.notify_one();
        return true;
    }

    // Without waiting. false: full, closed or cancelled, the item was not taken.
    bool tryPush(T&& item)
    {
        std::lock_guard lock(m_mutex);
        if (m_cancelled || m_closed || m_items.size() >= m_capacity)
            return false;
        m_items.push_back(std::move(item));
        m_notEmpty.notify_one();
        return true;
    }

    // Waits for an item. Nothing: the queue was closed and is drained, or it was cancelled.
    std::optional<T> pop()
    {
        std::unique_lock lock(m_mutex);
        m_notEmpty.wait(lock, [this] { return m_cancelled || m_closed || !m_items.empty(); });
        return takeFront();
    }

    // Without waiting. Nothing: empty, or cancelled.
    std::optional<T> tryPop()
    {
        std::lock_guard lock(m_mutex);
        return takeFront();
    }

    // No more pushes; pop() still returns what is queued, then nothing.
    void close()
    {
        std::lock_guard lock(m_mutex);
        m_closed = true;
        m_notEmpty.notify_all();
        m_notFull.notify_all();
    }

    // Stops both sides now: queued items are dropped, waiting pushes fail and waiting pops return nothing.
    void cancel()
    {
        std::lock_guard lock(m_mutex);
        m_cancelled = true;
        m_items.clear();
        m_notEmpty.notify_all();
        m_notFull.notify_all();
    }

private:
    std::optional<T> takeFront()
    {
        if (m_cancelled || m_items.empty())
            return std::nullopt;
        std::optional<T> item(std::move(m_items.front()));
        m_items.pop_front();
        m_notFull.notify_one();
        return item;
    }

    const std::size_t m_capacity;
    std::mutex m_mutex;
    std::condition_variable m_notEmpty;
    std::condition_variable m_notFull;
    std::deque<T> m_items;
    bool m_closed = false;
    bool m_cancelled = false;
};

} // namespace vcm::analyzer
