/* placeholder: replaced by the command table */
#include "cairn.h"
int main(void)
{
	return 0;
}
