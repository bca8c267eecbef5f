#include "gorae/engine/logs.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <atomic>
#include <fstream>
#include <future>
#include <latch>
#include <sstream>
#include <thread>
#include <vector>

#include "gorae/testing/support.hpp"

namespace gorae::engine {
namespace {

using namespace std::chrono;
using namespace std::chrono_literals;

// 2026-11-24T07:00:00Z
const system_clock::time_point kT0 = sys_days{year{2026} / 11 / 24} + 7h;

std::vector<std::string> file_lines(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// Every line of the file, parsed; fails the test on a line that does not parse.
std::vector<LogEntry> file_entries(const std::string& path) {
  std::vector<LogEntry> entries;
  for (const auto& line : file_lines(path)) {
    auto entry = parse_log_line(line);
    EXPECT_TRUE(entry) << "not a log line: " << line;
    if (entry) entries.push_back(*entry);
  }
  return entries;
}

std::vector<std::string> texts(const std::vector<LogEntry>& entries) {
  std::vector<std::string> result;
  for (const auto& entry : entries) result.push_back(entry.text);
  return result;
}

// ---- frame -------------------------------------------------------------

TEST(LogsTest, FramesStdoutWithBigEndianSize) {
  EXPECT_EQ(frame(StreamKind::stdout_stream, "hi\n"),
            std::string("\x01\x00\x00\x00\x00\x00\x00\x03hi\n", 11));
}

TEST(LogsTest, FramesStderrWithMultiByteSizes) {
  std::string payload(300, 'x');
  std::string framed = frame(StreamKind::stderr_stream, payload);
  ASSERT_EQ(framed.size(), 308u);
  EXPECT_EQ(framed.substr(0, 8), std::string("\x02\x00\x00\x00\x00\x00\x01\x2c", 8));
  EXPECT_EQ(framed.substr(8), payload);
  // 70000 = 0x00011170: every size byte in its place.
  EXPECT_EQ(frame(StreamKind::stdout_stream, std::string(70000, 'y')).substr(0, 8),
            std::string("\x01\x00\x00\x00\x00\x01\x11\x70", 8));
}

TEST(LogsTest, FramesEmptyPayloadAsBareHeader) {
  EXPECT_EQ(frame(StreamKind::stdin_stream, ""), std::string(8, '\0'));
}

// ---- json-file line ------------------------------------------------------

TEST(LogsTest, FormatsLineExactlyLikeDockerd) {
  LogEntry entry{StreamKind::stdout_stream, "hello\n", kT0 + 123456789ns};
  EXPECT_EQ(format_log_line(entry),
            "{\"log\":\"hello\\n\",\"stream\":\"stdout\","
            "\"time\":\"2026-11-24T07:00:00.123456789Z\"}\n");
  entry.stream = StreamKind::stderr_stream;
  EXPECT_NE(format_log_line(entry).find("\"stream\":\"stderr\""), std::string::npos);
}

TEST(LogsTest, FileTimeTrimsTrailingZerosLikeGo) {
  LogEntry entry{StreamKind::stdout_stream, "x", kT0 + 120ms};
  EXPECT_NE(format_log_line(entry).find("\"time\":\"2026-11-24T07:00:00.12Z\""),
            std::string::npos);
  entry.time = kT0;
  EXPECT_NE(format_log_line(entry).find("\"time\":\"2026-11-24T07:00:00Z\""), std::string::npos);
}

TEST(LogsTest, Rfc3339NanoAlwaysHasNineDigits) {
  EXPECT_EQ(rfc3339_nano(kT0 + 123456789ns), "2026-11-24T07:00:00.123456789Z");
  EXPECT_EQ(rfc3339_nano(kT0 + 120ms), "2026-11-24T07:00:00.120000000Z");
  EXPECT_EQ(rfc3339_nano(kT0 + 5ns), "2026-11-24T07:00:00.000000005Z");
  EXPECT_EQ(rfc3339_nano(sys_days{year{1999} / 12 / 31} + 23h + 59min + 59s),
            "1999-12-31T23:59:59.000000000Z");
}

TEST(LogsTest, RoundTripsQuotesBackslashesControlCharsAndCrlf) {
  const std::string awkward = std::string("say \"hi\" \\ back\\slash \t\b\f\x01\x1f") +
                              std::string(1, '\0') + " héllo ✓ <&>\r\n";
  LogEntry entry{StreamKind::stderr_stream, awkward, kT0 + 1ns};
  std::string line = format_log_line(entry);
  // One physical line: every control character is escaped.
  EXPECT_EQ(line.find('\n'), line.size() - 1);
  EXPECT_EQ(line.find('\r'), std::string::npos);
  EXPECT_EQ(line.find('\0'), std::string::npos);
  EXPECT_NE(line.find("\\r\\n"), std::string::npos);
  EXPECT_NE(line.find("héllo ✓"), std::string::npos);  // ensure_ascii=false
  auto parsed = parse_log_line(line);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->text, awkward);
  EXPECT_EQ(parsed->stream, StreamKind::stderr_stream);
  EXPECT_EQ(parsed->time, entry.time);
}

TEST(LogsTest, ReplacesInvalidUtf8InsteadOfThrowing) {
  LogEntry entry{StreamKind::stdout_stream, "a\xff" "b\xc3\n", kT0};
  std::string line;
  ASSERT_NO_THROW(line = format_log_line(entry));
  auto parsed = parse_log_line(line);
  ASSERT_TRUE(parsed) << line;
  EXPECT_EQ(parsed->text, "a\xef\xbf\xbd" "b\xef\xbf\xbd\n");  // U+FFFD each
}

TEST(LogsTest, ParsesTimesWithOffsetsAndShortFractions) {
  auto parsed = parse_log_line(
      R"({"log":"x\n","stream":"stdout","time":"2026-11-24T08:30:00.5+01:30"})");
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->time, kT0 + 500ms);
  parsed = parse_log_line(R"({"stream":"stderr","time":"2026-11-24T02:00:00-05:00"})");
  ASSERT_TRUE(parsed);  // dockerd omits an empty "log"
  EXPECT_EQ(parsed->time, kT0);
  EXPECT_EQ(parsed->text, "");
  EXPECT_EQ(parsed->stream, StreamKind::stderr_stream);
}

TEST(LogsTest, ParseRejectsGarbage) {
  for (const char* garbage : {
           "", "not json", "[]", "{}", "42", R"({"log":"hi)",
           R"({"log":1,"stream":"stdout","time":"2026-11-24T07:00:00Z"})",
           R"({"log":"x","stream":"stdweird","time":"2026-11-24T07:00:00Z"})",
           R"({"log":"x","stream":"stdout"})",
           R"({"log":"x","stream":"stdout","time":12})",
           R"({"log":"x","stream":"stdout","time":"2026-13-24T07:00:00Z"})",
           R"({"log":"x","stream":"stdout","time":"2026-02-30T07:00:00Z"})",
           R"({"log":"x","stream":"stdout","time":"2026-11-24T07:00:00"})",
           R"({"log":"x","stream":"stdout","time":"2026-11-24T07:00:00.Z"})",
           R"({"log":"x","stream":"stdout","time":"2026-11-24 07:00:00Z"})",
           "{\"log\":\"x\",\"stream\":\"stdout\",\"time\":\"2026-11-24T07:00:00Z\"} trailing",
       }) {
    EXPECT_FALSE(parse_log_line(garbage)) << garbage;
  }
}

// ---- LogWriter -----------------------------------------------------------

TEST(LogWriterTest, JoinsPartialLinesAcrossWrites) {
  testing::TempDir dir;
  auto writer = LogWriter::open(dir.file("c.log"));
  ASSERT_TRUE(writer) << writer.error().what();
  writer->write(StreamKind::stdout_stream, "hel");
  EXPECT_EQ(slurp(dir.file("c.log")), "");  // nothing until the newline
  writer->write(StreamKind::stdout_stream, "lo\nwor");
  writer->write(StreamKind::stdout_stream, "ld\n\nlast\n");
  EXPECT_EQ(texts(file_entries(dir.file("c.log"))),
            (std::vector<std::string>{"hello\n", "world\n", "\n", "last\n"}));
}

TEST(LogWriterTest, KeepsAPartialLinePerStream) {
  testing::TempDir dir;
  auto writer = LogWriter::open(dir.file("c.log"));
  ASSERT_TRUE(writer);
  writer->write(StreamKind::stdout_stream, "out-a");
  writer->write(StreamKind::stderr_stream, "err-a");
  writer->write(StreamKind::stdout_stream, "-b\n");
  writer->write(StreamKind::stderr_stream, "-b\n");
  auto entries = file_entries(dir.file("c.log"));
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0].stream, StreamKind::stdout_stream);
  EXPECT_EQ(entries[0].text, "out-a-b\n");
  EXPECT_EQ(entries[1].stream, StreamKind::stderr_stream);
  EXPECT_EQ(entries[1].text, "err-a-b\n");
}

TEST(LogWriterTest, FlushWritesTheRestWithoutNewline) {
  testing::TempDir dir;
  auto writer = LogWriter::open(dir.file("c.log"));
  ASSERT_TRUE(writer);
  writer->write(StreamKind::stdout_stream, "done\nno newline");
  writer->write(StreamKind::stderr_stream, "err rest");
  EXPECT_EQ(texts(file_entries(dir.file("c.log"))), (std::vector<std::string>{"done\n"}));
  writer->flush();
  writer->flush();  // nothing left: writes nothing
  auto entries = file_entries(dir.file("c.log"));
  EXPECT_EQ(texts(entries), (std::vector<std::string>{"done\n", "no newline", "err rest"}));
  ASSERT_EQ(entries.size(), 3u);
  EXPECT_EQ(entries[2].stream, StreamKind::stderr_stream);
}

TEST(LogWriterTest, DestructorFlushes) {
  testing::TempDir dir;
  {
    auto writer = LogWriter::open(dir.file("c.log"));
    ASSERT_TRUE(writer);
    LogWriter moved(std::move(*writer));  // the moved-from writer must not crash
    moved.write(StreamKind::stdout_stream, "bye");
  }
  EXPECT_EQ(texts(file_entries(dir.file("c.log"))), (std::vector<std::string>{"bye"}));
}

TEST(LogWriterTest, SplitsLinesLongerThan16KiB) {
  testing::TempDir dir;
  auto writer = LogWriter::open(dir.file("c.log"));
  ASSERT_TRUE(writer);
  std::string line = std::string(20 * 1024, 'x') + "\n";
  writer->write(StreamKind::stdout_stream, std::string_view(line).substr(0, 16 * 1024));
  EXPECT_EQ(slurp(dir.file("c.log")), "");  // exactly 16 KiB still waits
  for (std::size_t at = 16 * 1024; at < line.size(); at += 1000)
    writer->write(StreamKind::stdout_stream, std::string_view(line).substr(at, 1000));
  auto entries = texts(file_entries(dir.file("c.log")));
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0], std::string(16 * 1024, 'x'));
  EXPECT_EQ(entries[1], std::string(4 * 1024, 'x') + "\n");
}

TEST(LogWriterTest, SplitKeepsUtf8CharactersWhole) {
  testing::TempDir dir;
  auto writer = LogWriter::open(dir.file("c.log"));
  ASSERT_TRUE(writer);
  // "é" (c3 a9) straddles the 16 KiB mark: it moves to the second entry.
  writer->write(StreamKind::stdout_stream, std::string(16 * 1024 - 1, 'x') + "é tail\n");
  auto entries = texts(file_entries(dir.file("c.log")));
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0], std::string(16 * 1024 - 1, 'x'));
  EXPECT_EQ(entries[1], "é tail\n");
}

TEST(LogWriterTest, CreatesWithMode0640AndAppends) {
  testing::TempDir dir;
  mode_t old_mask = ::umask(022);
  {
    auto writer = LogWriter::open(dir.file("c.log"));
    ASSERT_TRUE(writer);
    writer->write(StreamKind::stdout_stream, "first\n");
  }
  ::umask(old_mask);
  struct stat info {};
  ASSERT_EQ(::stat(dir.file("c.log").c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0640u);
  auto again = LogWriter::open(dir.file("c.log"));
  ASSERT_TRUE(again);
  again->write(StreamKind::stdout_stream, "second\n");
  EXPECT_EQ(texts(file_entries(dir.file("c.log"))),
            (std::vector<std::string>{"first\n", "second\n"}));
}

TEST(LogWriterTest, OpenReportsTheFailingPath) {
  auto writer = LogWriter::open("/nonexistent-dir/c.log");
  ASSERT_FALSE(writer);
  EXPECT_EQ(writer.error().kind(), Errc::not_found);
  EXPECT_NE(writer.error().what().find("/nonexistent-dir/c.log"), std::string::npos);
}

TEST(LogWriterTest, ConcurrentWritersProduceOnlyWholeLines) {
  testing::TempDir dir;
  auto writer = LogWriter::open(dir.file("c.log"));
  ASSERT_TRUE(writer);
  // Each write carries many lines, so that the threads spend their time
  // splitting and formatting (the part the mutex guards), not in write(2).
  constexpr int kThreads = 4, kWrites = 100, kLinesPerWrite = 50;
  std::latch go(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      auto stream = t % 2 ? StreamKind::stderr_stream : StreamKind::stdout_stream;
      go.arrive_and_wait();
      for (int i = 0; i < kWrites; ++i) {
        std::string text;
        for (int j = 0; j < kLinesPerWrite; ++j)
          text += "t" + std::to_string(t) + " " + std::to_string(i * kLinesPerWrite + j) + "\n";
        writer->write(stream, text);
      }
    });
  }
  for (auto& thread : threads) thread.join();
  writer->flush();  // a lost or doubled byte would show up as a stray entry
  auto lines = file_lines(dir.file("c.log"));
  ASSERT_EQ(lines.size(), static_cast<std::size_t>(kThreads * kWrites * kLinesPerWrite));
  std::vector<int> next(kThreads, 0);
  for (const auto& line : lines) {
    auto entry = parse_log_line(line);
    ASSERT_TRUE(entry) << "torn line: " << line;
    int t = entry->text[1] - '0';
    ASSERT_TRUE(t >= 0 && t < kThreads) << entry->text;
    EXPECT_EQ(entry->stream, t % 2 ? StreamKind::stderr_stream : StreamKind::stdout_stream);
    // Two threads share each stream, yet each thread's lines stay whole and in order.
    ASSERT_EQ(entry->text, "t" + std::to_string(t) + " " + std::to_string(next[t]++) + "\n");
  }
}

// ---- read_log ------------------------------------------------------------

// Writes entries i = 0..count-1: "line i\n" at kT0 + i s, stdout when i is even.
void write_log(const std::string& path, int count) {
  std::ofstream out(path);
  for (int i = 0; i < count; ++i) {
    out << format_log_line({i % 2 ? StreamKind::stderr_stream : StreamKind::stdout_stream,
                            "line " + std::to_string(i) + "\n", kT0 + seconds(i)});
  }
}

std::vector<std::string> read_texts(const std::string& path, const LogQuery& query,
                                    Status* status = nullptr) {
  std::vector<std::string> seen;
  auto result = read_log(
      path, query,
      [&](const LogEntry& entry) {
        seen.push_back(entry.text);
        return true;
      },
      [] { return false; }, std::stop_token());
  EXPECT_TRUE(result) << (result ? "" : result.error().what());
  if (status) *status = result;
  return seen;
}

std::vector<std::string> lines_between(int from, int to, int step = 1) {
  std::vector<std::string> result;
  for (int i = from; i < to; i += step) result.push_back("line " + std::to_string(i) + "\n");
  return result;
}

TEST(LogReaderTest, ReadsEverythingInOrder) {
  testing::TempDir dir;
  write_log(dir.file("c.log"), 5);
  EXPECT_EQ(read_texts(dir.file("c.log"), {}), lines_between(0, 5));
}

TEST(LogReaderTest, TailCountsFromTheEnd) {
  testing::TempDir dir;
  write_log(dir.file("c.log"), 5);
  LogQuery query;
  query.tail = 0;
  EXPECT_EQ(read_texts(dir.file("c.log"), query), lines_between(0, 0));
  query.tail = 1;
  EXPECT_EQ(read_texts(dir.file("c.log"), query), lines_between(4, 5));
  query.tail = 3;
  EXPECT_EQ(read_texts(dir.file("c.log"), query), lines_between(2, 5));
  query.tail = 5;
  EXPECT_EQ(read_texts(dir.file("c.log"), query), lines_between(0, 5));
  query.tail = 100;
  EXPECT_EQ(read_texts(dir.file("c.log"), query), lines_between(0, 5));
}

TEST(LogReaderTest, TailWorksAcrossChunkBoundaries) {
  testing::TempDir dir;
  write_log(dir.file("c.log"), 5000);  // ~350 KB: several 64 KiB chunks
  LogQuery query;
  query.tail = 2345;
  EXPECT_EQ(read_texts(dir.file("c.log"), query), lines_between(5000 - 2345, 5000));
}

TEST(LogReaderTest, TailIgnoresAnUnfinishedLastLine) {
  testing::TempDir dir;
  write_log(dir.file("c.log"), 3);
  std::ofstream(dir.file("c.log"), std::ios::app) << R"({"log":"half)";
  LogQuery query;
  query.tail = 2;
  EXPECT_EQ(read_texts(dir.file("c.log"), query), lines_between(1, 3));
}

TEST(LogReaderTest, SinceKeepsEntriesAtOrAfter) {
  testing::TempDir dir;
  write_log(dir.file("c.log"), 5);
  LogQuery query;
  query.since = kT0 + 2s;
  EXPECT_EQ(read_texts(dir.file("c.log"), query), lines_between(2, 5));
  query.since = kT0 + 2s + 1ns;
  EXPECT_EQ(read_texts(dir.file("c.log"), query), lines_between(3, 5));
}

TEST(LogReaderTest, SelectsStreams) {
  testing::TempDir dir;
  write_log(dir.file("c.log"), 6);
  LogQuery query;
  query.stderr_wanted = false;
  EXPECT_EQ(read_texts(dir.file("c.log"), query), lines_between(0, 6, 2));
  query.stderr_wanted = true;
  query.stdout_wanted = false;
  EXPECT_EQ(read_texts(dir.file("c.log"), query), lines_between(1, 6, 2));
  query.stderr_wanted = false;
  EXPECT_EQ(read_texts(dir.file("c.log"), query), lines_between(0, 0));
}

TEST(LogReaderTest, TailCountsBeforeSinceAndStreamsLikeDockerd) {
  testing::TempDir dir;
  write_log(dir.file("c.log"), 6);
  LogQuery query;
  query.tail = 2;  // lines 4 (stdout) and 5 (stderr)
  query.stderr_wanted = false;
  EXPECT_EQ(read_texts(dir.file("c.log"), query), lines_between(4, 5));
  query.stderr_wanted = true;
  query.since = kT0 + 5s;
  EXPECT_EQ(read_texts(dir.file("c.log"), query), lines_between(5, 6));
}

TEST(LogReaderTest, SkipsGarbageLines) {
  testing::TempDir dir;
  {
    std::ofstream out(dir.file("c.log"));
    out << "garbage\n" << format_log_line({StreamKind::stdout_stream, "one\n", kT0});
    // Longer than any line a LogWriter writes: dropped, not buffered forever.
    out << format_log_line({StreamKind::stdout_stream, std::string(2 * 1024 * 1024, 'z'), kT0});
    out << format_log_line({StreamKind::stderr_stream, "two\n", kT0});
  }
  EXPECT_EQ(read_texts(dir.file("c.log"), {}), (std::vector<std::string>{"one\n", "two\n"}));
}

TEST(LogReaderTest, ReadsALastEntryWithoutNewline) {
  testing::TempDir dir;
  write_log(dir.file("c.log"), 2);
  std::string last = format_log_line({StreamKind::stdout_stream, "cut short", kT0});
  last.pop_back();
  std::ofstream(dir.file("c.log"), std::ios::app) << last;
  EXPECT_EQ(read_texts(dir.file("c.log"), {}),
            (std::vector<std::string>{"line 0\n", "line 1\n", "cut short"}));
}

TEST(LogReaderTest, ReadWithoutFollowEndsAtTheSizeItStartedWith) {
  testing::TempDir dir;
  write_log(dir.file("c.log"), 3);
  auto writer = LogWriter::open(dir.file("c.log"));
  ASSERT_TRUE(writer);
  // A container that writes as fast as we read must not keep `docker logs`
  // (without -f) from ending: here every entry read appends another one.
  int calls = 0;
  auto status = read_log(
      dir.file("c.log"), {},
      [&](const LogEntry&) {
        writer->write(StreamKind::stdout_stream, "more\n");
        return ++calls < 100;
      },
      [] { return true; }, std::stop_token());
  EXPECT_TRUE(status);
  EXPECT_EQ(calls, 3);
}

TEST(LogReaderTest, MissingFileIsAnEmptyLog) {
  testing::TempDir dir;
  EXPECT_EQ(read_texts(dir.file("never-started.log"), {}), lines_between(0, 0));
}

TEST(LogReaderTest, StopsWhenEmitReturnsFalse) {
  testing::TempDir dir;
  write_log(dir.file("c.log"), 5);
  int calls = 0;
  auto status = read_log(
      dir.file("c.log"), {}, [&](const LogEntry&) { return ++calls < 2; },
      [] { return false; }, std::stop_token());
  EXPECT_TRUE(status);
  EXPECT_EQ(calls, 2);
}

// Runs read_log with follow on a thread; the result is available through
// the future. `running` is what still_running() answers.
struct Follower {
  std::mutex mutex;
  std::vector<std::string> seen;
  std::atomic<bool> running{true};
  std::atomic<int> running_calls{0};
  std::stop_source stop;
  std::future<Status> done;

  void start(const std::string& path, LogQuery query) {
    query.follow = true;
    done = std::async(std::launch::async, [this, path, query] {
      return read_log(
          path, query,
          [this](const LogEntry& entry) {
            std::lock_guard lock(mutex);
            seen.push_back(entry.text);
            return true;
          },
          [this] { return ++running_calls, running.load(); }, stop.get_token());
    });
  }
  std::vector<std::string> snapshot() {
    std::lock_guard lock(mutex);
    return seen;
  }
  bool wait_for_count(std::size_t count, milliseconds timeout = 5s) {
    auto deadline = steady_clock::now() + timeout;
    while (snapshot().size() < count && steady_clock::now() < deadline)
      std::this_thread::sleep_for(5ms);
    return snapshot().size() >= count;
  }
  ~Follower() {  // never leave the thread behind, even when a test fails
    stop.request_stop();
    running = false;
  }
};

TEST(LogReaderTest, FollowSeesAppendedLinesAndEndsWhenTheContainerExits) {
  testing::TempDir dir;
  write_log(dir.file("c.log"), 2);
  auto writer = LogWriter::open(dir.file("c.log"));
  ASSERT_TRUE(writer);
  Follower follower;
  follower.start(dir.file("c.log"), {});
  ASSERT_TRUE(follower.wait_for_count(2));
  // Appended one by one, seen one by one.
  writer->write(StreamKind::stdout_stream, "live 1\n");
  EXPECT_TRUE(follower.wait_for_count(3));
  writer->write(StreamKind::stderr_stream, "live 2\n");
  EXPECT_TRUE(follower.wait_for_count(4));
  EXPECT_EQ(follower.done.wait_for(0s), std::future_status::timeout);  // still following
  // A burst right before the exit must be drained, not cut off.
  std::thread burst([&] {
    for (int i = 0; i < 1000; ++i)
      writer->write(StreamKind::stdout_stream, "burst " + std::to_string(i) + "\n");
    writer->write(StreamKind::stdout_stream, "last words");
    writer->flush();
    follower.running = false;
  });
  burst.join();
  ASSERT_EQ(follower.done.wait_for(5s), std::future_status::ready);
  EXPECT_TRUE(follower.done.get());
  auto seen = follower.snapshot();
  ASSERT_EQ(seen.size(), 2u + 2u + 1000u + 1u);
  EXPECT_EQ(seen[2], "live 1\n");
  EXPECT_EQ(seen[3], "live 2\n");
  for (int i = 0; i < 1000; ++i) EXPECT_EQ(seen[4 + i], "burst " + std::to_string(i) + "\n");
  EXPECT_EQ(seen.back(), "last words");
}

TEST(LogReaderTest, FollowDrainsWhatWasWrittenBeforeTheExit) {
  testing::TempDir dir;
  write_log(dir.file("c.log"), 1);
  auto writer = LogWriter::open(dir.file("c.log"));
  ASSERT_TRUE(writer);
  std::vector<std::string> seen;
  int calls = 0;
  // The container's last words land between the follower's last look at
  // the file and the moment it learns that the container has exited.
  auto still_running = [&] {
    if (++calls < 3) return true;
    writer->write(StreamKind::stderr_stream, "last words\n");
    return false;
  };
  LogQuery query;
  query.follow = true;
  auto status = read_log(
      dir.file("c.log"), query,
      [&](const LogEntry& entry) {
        seen.push_back(entry.text);
        return true;
      },
      still_running, std::stop_token());
  EXPECT_TRUE(status);
  EXPECT_EQ(calls, 3);
  EXPECT_EQ(seen, (std::vector<std::string>{"line 0\n", "last words\n"}));
}

TEST(LogReaderTest, FollowWithTailZeroShowsOnlyNewLines) {
  testing::TempDir dir;
  write_log(dir.file("c.log"), 3);
  auto writer = LogWriter::open(dir.file("c.log"));
  ASSERT_TRUE(writer);
  Follower follower;
  LogQuery query;
  query.tail = 0;
  follower.start(dir.file("c.log"), query);
  // Wait until it is following (it has asked whether we still run).
  for (int i = 0; i < 500 && follower.running_calls == 0; ++i) std::this_thread::sleep_for(2ms);
  writer->write(StreamKind::stdout_stream, "new\n");
  ASSERT_TRUE(follower.wait_for_count(1));
  follower.running = false;
  ASSERT_EQ(follower.done.wait_for(5s), std::future_status::ready);
  EXPECT_EQ(follower.snapshot(), (std::vector<std::string>{"new\n"}));
}

TEST(LogReaderTest, FollowOnAnExitedContainerReturnsTheBuffer) {
  testing::TempDir dir;
  write_log(dir.file("c.log"), 3);
  Follower follower;
  follower.running = false;
  follower.start(dir.file("c.log"), {});
  ASSERT_EQ(follower.done.wait_for(2s), std::future_status::ready);
  EXPECT_TRUE(follower.done.get());
  EXPECT_EQ(follower.snapshot(), lines_between(0, 3));
}

// Waits until the follower has just woken up (asked still_running()) and
// then 20 ms more: it is asleep, with ~80 ms of its 100 ms poll left.
void wait_until_asleep(Follower& follower) {
  int calls = follower.running_calls;
  for (int i = 0; i < 1000 && follower.running_calls == calls; ++i)
    std::this_thread::sleep_for(1ms);
  std::this_thread::sleep_for(20ms);
}

TEST(LogReaderTest, FollowStopsPromptlyOnStopRequest) {
  testing::TempDir dir;
  write_log(dir.file("c.log"), 1);
  Follower follower;  // the container never exits
  follower.start(dir.file("c.log"), {});
  ASSERT_TRUE(follower.wait_for_count(1));
  std::this_thread::sleep_for(150ms);
  EXPECT_EQ(follower.done.wait_for(0s), std::future_status::timeout);
  wait_until_asleep(follower);
  auto asked = steady_clock::now();
  follower.stop.request_stop();
  ASSERT_EQ(follower.done.wait_for(5s), std::future_status::ready);
  // Woken by the stop request itself, not by the end of its sleep.
  EXPECT_LT(steady_clock::now() - asked, 50ms);
  EXPECT_TRUE(follower.done.get());
}

TEST(LogReaderTest, FollowWakesAsSoonAsALineIsAppended) {
  testing::TempDir dir;
  write_log(dir.file("c.log"), 1);
  auto writer = LogWriter::open(dir.file("c.log"));
  ASSERT_TRUE(writer);
  Follower follower;
  follower.start(dir.file("c.log"), {});
  ASSERT_TRUE(follower.wait_for_count(1));
  wait_until_asleep(follower);
  auto written = steady_clock::now();
  writer->write(StreamKind::stdout_stream, "now\n");
  ASSERT_TRUE(follower.wait_for_count(2));
  EXPECT_LT(steady_clock::now() - written, 50ms);  // inotify, not the timeout
}

TEST(LogReaderTest, FollowSleepsWhileTheContainerIsQuiet) {
  testing::TempDir dir;
  write_log(dir.file("c.log"), 1);
  Follower follower;
  follower.start(dir.file("c.log"), {});
  ASSERT_TRUE(follower.wait_for_count(1));
  int before = follower.running_calls;
  std::this_thread::sleep_for(600ms);
  // ~6 wake-ups at 100 ms; a busy loop would make millions.
  EXPECT_LE(follower.running_calls - before, 15);
  follower.stop.request_stop();
  ASSERT_EQ(follower.done.wait_for(5s), std::future_status::ready);
}

}  // namespace
}  // namespace gorae::engine
