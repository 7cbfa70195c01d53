/*
 * The public header stands alone: it includes what it uses and is strict ISO C11.
 * Compiled by the ctest "headertest" (tests/CMakeLists.txt) with -std=c11 -Wpedantic -Werror
 * and nothing else on the include path but include/, so a missing #include, a GNU extension
 * or a declaration that warns in someone else's build fails the suite.
 */
#include <imgbaseline/imgbaseline.h>

int main(void)
{
    return IMGB_OK;
}
