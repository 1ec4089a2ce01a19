// The communicator shared by the tests of one test binary.
#pragma once
#include "ag/dist/communicator.h"

extern std::shared_ptr<ag::dist::Communicator> g_comm;
