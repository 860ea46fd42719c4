// A c10d store that forwards to another and counts the calls that reach it:
// the torch tests check the agreement step's calls with it, and
// bench/torch_bench.cpp checks the creation model against it.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "ranktopo/torch.hpp"

namespace ranktopo_test {

class counting_store : public c10d::Store {
public:
    explicit counting_store(ranktopo::torch::store inner) : inner_(std::move(inner)) {}
    long long calls = 0;
    void set(const std::string& key, const std::vector<std::uint8_t>& value) override {
        ++calls;
        inner_->set(key, value);
    }
    std::vector<std::uint8_t> compareSet(const std::string& key, const std::vector<std::uint8_t>& expected,
                                         const std::vector<std::uint8_t>& desired) override {
        ++calls;
        return inner_->compareSet(key, expected, desired);
    }
    std::vector<std::uint8_t> get(const std::string& key) override {
        ++calls;
        return inner_->get(key);
    }
    std::int64_t add(const std::string& key, std::int64_t value) override {
        ++calls;
        return inner_->add(key, value);
    }
    bool deleteKey(const std::string& key) override {
        ++calls;
        return inner_->deleteKey(key);
    }
    bool check(const std::vector<std::string>& keys) override {
        ++calls;
        return inner_->check(keys);
    }
    std::int64_t getNumKeys() override {
        ++calls;
        return inner_->getNumKeys();
    }
    void wait(const std::vector<std::string>& keys) override {
        ++calls;
        inner_->wait(keys);
    }
    void wait(const std::vector<std::string>& keys, const std::chrono::milliseconds& timeout) override {
        ++calls;
        inner_->wait(keys, timeout);
    }

private:
    ranktopo::torch::store inner_;
};

}  // namespace ranktopo_test
